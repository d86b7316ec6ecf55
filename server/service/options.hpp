#pragma once

#include <chrono>
#include <string>

#include "server/core/limits.hpp"

namespace lc::service {

// Everything the chat service needs to know from the configuration.
struct service_options {
  std::string node_id;
  std::string secret;  // signs agent and visitor tokens
  core::limits limits;
  std::chrono::milliseconds agent_grace{30000};
  std::chrono::milliseconds visitor_grace{120000};
  std::chrono::milliseconds tick{1000};  // periodic matching, sweeps, lease renewal
  std::chrono::milliseconds lease_ttl{10000};
  std::chrono::milliseconds redis_timeout{2000};
  std::chrono::seconds visitor_token_ttl{30 * 24 * 3600};
  double messages_per_second = 20;  // per connection, sustained
  double message_burst = 40;
};

}  // namespace lc::service
