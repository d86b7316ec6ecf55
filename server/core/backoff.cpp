#include "server/core/backoff.hpp"

#include <algorithm>

namespace lc::core {

namespace {

constexpr std::int64_t first_retry_ms = 1000;
constexpr std::int64_t max_retry_ms = 5LL * 60 * 1000;

}  // namespace

std::optional<std::int64_t> retry_at(std::int64_t created_ms, std::int32_t attempts,
                                     std::int64_t now_ms, std::int64_t give_up_ms) {
  if (now_ms >= created_ms + give_up_ms) return std::nullopt;
  std::int64_t wait = first_retry_ms;
  for (std::int32_t i = 1; i < attempts && wait < max_retry_ms; ++i) wait *= 2;
  return now_ms + std::min(wait, max_retry_ms);
}

}  // namespace lc::core
