#include "tests/support/tokens.hpp"

#include <chrono>

#include "server/core/token.hpp"

namespace lc::test {

std::string agent_token_for(const std::string& secret, const std::string& agent_id,
                            std::vector<std::string> departments, std::uint32_t capacity,
                            bool admin) {
  return staff_token_for(secret, agent_id, std::move(departments), capacity,
                         admin ? core::staff_role::admin : core::staff_role::agent);
}

std::string staff_token_for(const std::string& secret, const std::string& agent_id,
                            std::vector<std::string> departments, std::uint32_t capacity,
                            core::staff_role role) {
  core::agent_claims c;
  c.agent_id = agent_id;
  c.display_name = "Agent " + agent_id;
  c.departments = std::move(departments);
  c.capacity = capacity;
  c.role = role;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  c.expires_at_s = now_ms / 1000 + 3600;
  c.issued_at_ms = now_ms;
  return core::sign_agent_token(c, secret);
}

}  // namespace lc::test
