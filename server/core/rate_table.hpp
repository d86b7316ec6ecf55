#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "server/core/rate_limiter.hpp"

namespace lc::core {

// One token bucket per key (a client address, a visitor id), all with the same rate. Bounded:
// buckets that have refilled completely hold no information and are dropped, and when the
// table is still full a new key is refused rather than making it grow (work per client is
// bounded; an attacker with many addresses cannot make it unbounded). A full table is swept at
// most once a second, so new keys cannot make every call walk it.
class rate_table {
 public:
  rate_table(double per_second, double burst, std::size_t max_keys = 100000)
      : per_second_(per_second), burst_(burst), max_keys_(max_keys) {}

  // Takes one token from `key`'s bucket at now_ms.
  bool allow(const std::string& key, std::int64_t now_ms);
  std::size_t size() const { return buckets_.size(); }

 private:
  struct bucket {
    rate_limiter limiter;
    std::int64_t last_ms;
  };
  void prune(std::int64_t now_ms);

  double per_second_;
  double burst_;
  std::size_t max_keys_;
  std::int64_t last_prune_ms_ = 0;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace lc::core
