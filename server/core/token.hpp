#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lc::core {

// What an agent (or admin) token says about its holder.
struct agent_claims {
  std::string agent_id;
  std::string display_name;
  std::vector<std::string> departments;
  std::uint32_t capacity = 0;
  bool admin = false;
  std::int64_t expires_at_s = 0;  // unix seconds
  // When it was minted, in unix ms: revoking an agent refuses every token minted before then.
  std::int64_t issued_at_ms = 0;
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
