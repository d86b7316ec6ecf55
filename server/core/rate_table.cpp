#include "server/core/rate_table.hpp"

#include <iterator>

namespace lc::core {

bool rate_table::allow(const std::string& key, std::int64_t now_ms) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_ && now_ms - last_prune_ms_ >= 1000) prune(now_ms);
    if (buckets_.size() >= max_keys_) return false;
    it = buckets_.emplace(key, bucket{rate_limiter(per_second_, burst_), now_ms}).first;
  }
  it->second.last_ms = now_ms;
  return it->second.limiter.allow(now_ms);
}

void rate_table::prune(std::int64_t now_ms) {
  last_prune_ms_ = now_ms;
  // A bucket untouched for as long as a full refill takes is full again: forgetting it changes
  // no answer.
  const auto refill_ms = static_cast<std::int64_t>(burst_ / per_second_ * 1000.0) + 1;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = now_ms - it->second.last_ms >= refill_ms ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace lc::core
