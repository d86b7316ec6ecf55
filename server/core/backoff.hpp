#pragma once

#include <cstdint>
#include <optional>

namespace lc::core {

// When an outbox's attempt `attempts` (1 = the first) failed at `now_ms`: the next try,
// doubling from one second up to five minutes, or nothing once `created_ms + give_up_ms` has
// passed. Webhook deliveries and mail both wait this way.
std::optional<std::int64_t> retry_at(std::int64_t created_ms, std::int32_t attempts,
                                     std::int64_t now_ms, std::int64_t give_up_ms);

}  // namespace lc::core
