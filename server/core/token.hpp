#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lc::core {

// What a member of staff may do: agents handle their chats; supervisors also watch, help and
// assign every chat of their departments and manage its shared replies and tags; admins run
// everything (accounts, departments, every department's chats).
enum class staff_role : std::uint8_t { agent, supervisor, admin };

// "agent", "supervisor", "admin" (REST, the accounts table, the audit log).
std::string_view role_name(staff_role role);
std::optional<staff_role> parse_role(std::string_view name);

// What a staff token (agent, supervisor or admin) says about its holder.
struct agent_claims {
  std::string agent_id;
  std::string display_name;
  std::vector<std::string> departments;
  std::uint32_t capacity = 0;
  staff_role role = staff_role::agent;
  std::int64_t expires_at_s = 0;  // unix seconds
  // When it was minted, in unix ms: revoking an agent refuses every token minted before then.
  std::int64_t issued_at_ms = 0;

  bool admin() const { return role == staff_role::admin; }
  // Supervisors and admins: may watch and act on chats that are not their own.
  bool supervises() const { return role != staff_role::agent; }
};

// What a visitor token says: the visitor identity it resumes.
struct visitor_claims {
  std::string visitor_id;
  std::int64_t expires_at_s = 0;
};

// Tokens are "<kind>.<base64url(payload)>.<base64url(HMAC-SHA256(secret, kind.payload))>",
// kind "lca1" for agents and "lcv1" for visitors, so one kind never verifies as the other.
std::string sign_agent_token(const agent_claims& claims, std::string_view secret);
std::string sign_visitor_token(const visitor_claims& claims, std::string_view secret);

// Nothing when the token is malformed, forged, of the other kind, or expired at now_s, or when
// its ids break their grammar (ids.hpp): an operator id for the agent and each department, an
// issued 'v' id for the visitor.
std::optional<agent_claims> verify_agent_token(std::string_view token, std::string_view secret,
                                               std::int64_t now_s);
std::optional<visitor_claims> verify_visitor_token(std::string_view token, std::string_view secret,
                                                   std::int64_t now_s);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace lc::core
