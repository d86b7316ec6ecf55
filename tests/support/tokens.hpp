#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/core/token.hpp"

namespace lc::test {

// A signed agent token valid for an hour, as `livechat token` would print it.
std::string agent_token_for(const std::string& secret, const std::string& agent_id,
                            std::vector<std::string> departments, std::uint32_t capacity,
                            bool admin = false);
// The same for any role (supervisors).
std::string staff_token_for(const std::string& secret, const std::string& agent_id,
                            std::vector<std::string> departments, std::uint32_t capacity,
                            core::staff_role role);

}  // namespace lc::test
