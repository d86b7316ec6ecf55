#include "server/core/rate_limiter.hpp"

#include <algorithm>

namespace lc::core {

bool rate_limiter::allow(std::int64_t now_ms) {
  if (!started_) {
    started_ = true;
    last_ms_ = now_ms;
  } else if (now_ms > last_ms_) {
    // A clock going backwards must not refill (or drain) the bucket.
    tokens_ =
        std::min(burst_, tokens_ + per_second_ * static_cast<double>(now_ms - last_ms_) / 1000.0);
    last_ms_ = now_ms;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace lc::core
