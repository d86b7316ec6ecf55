#pragma once

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/core/json_value.hpp"
#include "server/core/rate_table.hpp"
#include "server/core/token.hpp"
#include "server/service/context.hpp"
#include "server/service/transport.hpp"

namespace lc::record {
struct account;
}

namespace lc::service {

// The team's side of the REST API: signing in (email and password → a short-lived token and a
// refresh token), the accounts admins manage, the audit log, and the lists a team shares
// (canned responses, tags, departments). Everything lives in the system of record; a change to
// an account revokes its tokens, so its consoles are closed within a second and reconnect with
// the new scope.
class team_api {
 public:
  explicit team_api(const service_context& ctx);

  // /api/login, /api/session/renew, /api/logout: no token needed. Nothing for other paths.
  boost::asio::awaitable<std::optional<http_response>> public_route(const http_request& request,
                                                                    const std::string& path);
  // The rest, for a caller whose token verified. Nothing for paths that are not the team's.
  boost::asio::awaitable<std::optional<http_response>> route(const core::agent_claims& who,
                                                             const http_request& request,
                                                             const std::string& path);

 private:
  // rest_sign_in.cpp
  boost::asio::awaitable<http_response> login(const http_request& request);
  boost::asio::awaitable<http_response> renew(const http_request& request);
  boost::asio::awaitable<http_response> logout(const http_request& request);
  // A token for the account as it is now, never older than its last revocation.
  boost::asio::awaitable<std::string> issue_token(const record::account& a,
                                                  std::int64_t* expires_ms);
  // rest_accounts.cpp (admins)
  boost::asio::awaitable<http_response> list_accounts();
  boost::asio::awaitable<http_response> create_account(const core::agent_claims& who,
                                                       const core::json_value& body);
  boost::asio::awaitable<http_response> update_account(const core::agent_claims& who,
                                                       const std::string& id,
                                                       const core::json_value& body);
  boost::asio::awaitable<http_response> audit_log(const std::string& target);
  // rest_team_lists.cpp
  boost::asio::awaitable<http_response> canned(const core::agent_claims& who,
                                               const http_request& request,
                                               const std::string& path);
  boost::asio::awaitable<http_response> tags(const core::agent_claims& who,
                                             const http_request& request, const std::string& path);
  // rest_departments.cpp: every staff member reads them, admins change and remove them.
  http_response departments() const;
  boost::asio::awaitable<http_response> save_department(const core::agent_claims& who,
                                                        const std::string& id,
                                                        const core::json_value& body);
  // Refused (409) while chats wait or are held in it, and for the last department.
  boost::asio::awaitable<http_response> remove_department(const core::agent_claims& who,
                                                          const std::string& id);

  const service_context& ctx_;
  // Sign-in attempts, per address and per account: password guessing is slow whoever tries.
  core::rate_table logins_per_address_;
  core::rate_table logins_per_account_;
};

// The account as REST shows it (never its password hash).
std::string account_json(const record::account& a);
// The body as a JSON object, or the 400 to answer.
std::optional<core::json_value> json_object_body(const http_request& request, http_response* error);

}  // namespace lc::service
