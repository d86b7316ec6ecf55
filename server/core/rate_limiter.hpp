#pragma once

#include <cstdint>

namespace lc::core {

// Token bucket: `burst` requests at once, refilled at `per_second`; one per connection.
class rate_limiter {
 public:
  rate_limiter(double per_second, double burst)
      : per_second_(per_second), burst_(burst), tokens_(burst) {}

  // Takes one token if there is one at now_ms.
  bool allow(std::int64_t now_ms);

 private:
  double per_second_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_ = 0;
  bool started_ = false;
};

}  // namespace lc::core
