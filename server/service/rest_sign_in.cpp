// Signing in: email and password for a short-lived staff token and a refresh token that renews
// it while the console is open; signing out.
#include <spdlog/spdlog.h>

#include "server/core/json.hpp"
#include "server/core/password.hpp"
#include "server/core/session_token.hpp"
#include "server/record/accounts.hpp"
#include "server/record/audit_log.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"
#include "server/service/team_api.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

// 10 attempts per address, then one every 6 s; 5 per account, then one a minute.
constexpr double address_per_second = 1.0 / 6;
constexpr double address_burst = 10;
constexpr double account_per_second = 1.0 / 60;
constexpr double account_burst = 5;
constexpr std::size_t max_password_bytes = 1024;

// What a sign-in finds: the account when the password was right.
struct sign_in_result {
  std::optional<record::account> account;
  std::string refresh_token;
};

std::string string_field(const core::json_value& body, std::string_view key) {
  const auto* v = body.find(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The SHA-256 of the body's refresh token, or "" with the 400 to answer.
std::string refresh_hash_of(const http_request& request, http_response* error) {
  auto body = json_object_body(request, error);
  if (!body) return {};
  const auto refresh = string_field(*body, "refresh_token");
  if (refresh.empty() || refresh.size() > 128) {
    *error = error_reply(400, "bad_request", "give 'refresh_token' as a string");
    return {};
  }
  return core::refresh_token_hash(refresh);
}

http_response signed_in_reply(const std::string& token, std::int64_t expires_ms,
                              const std::string& refresh, const record::account& a) {
  std::string body =
      "{\"token\":" + core::json_quote(token) + ",\"expires_at_ms\":" + std::to_string(expires_ms);
  if (!refresh.empty()) body += ",\"refresh_token\":" + core::json_quote(refresh);
  body += ",\"account\":" + account_json(a) + "}";
  return json_reply(200, std::move(body));
}

}  // namespace

team_api::team_api(const service_context& ctx)
    : ctx_(ctx),
      logins_per_address_(address_per_second, address_burst),
      logins_per_account_(account_per_second, account_burst) {}

asio::awaitable<std::optional<http_response>> team_api::public_route(const http_request& request,
                                                                     const std::string& path) {
  if (path != "/api/login" && path != "/api/session/renew" && path != "/api/logout") {
    co_return std::nullopt;
  }
  if (request.method != "POST") {
    co_return error_reply(405, "method_not_allowed", "only POST is supported here");
  }
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  if (path == "/api/login") co_return co_await login(request);
  if (path == "/api/session/renew") co_return co_await renew(request);
  co_return co_await logout(request);
}

asio::awaitable<http_response> team_api::login(const http_request& request) {
  http_response bad;
  auto body = json_object_body(request, &bad);
  if (!body) co_return bad;
  const auto email = lower(string_field(*body, "email"));
  const auto password = string_field(*body, "password");
  if (email.empty() || email.size() > ctx_.options.limits.max_email_bytes || password.empty() ||
      password.size() > max_password_bytes) {
    co_return error_reply(400, "bad_request", "give 'email' and 'password' as strings");
  }
  const auto now = wall_clock_ms();
  // Both buckets pay for every attempt, so neither many accounts from one address nor one
  // account from many addresses can be tried fast.
  const bool address_ok = logins_per_address_.allow(request.address, now);
  const bool account_ok = logins_per_account_.allow(email, now);
  if (!address_ok || !account_ok) {
    co_return error_reply(429, "rate_limited", "too many sign-in attempts; wait a minute");
  }
  const auto address = request.address;
  const auto ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.options.sign_in_ttl).count();
  record_work<sign_in_result> check = [email, password, address,
                                       ttl_ms](record::pg_connection& db) {
    sign_in_result out;
    auto a = record::find_account_by_email(db, email);
    // An unknown email costs the same hash as a wrong password: timing does not tell them apart.
    static const std::string decoy = core::hash_password("decoy password, never matches");
    if (!core::verify_password(password, a ? a->password_hash : decoy) || !a) {
      record::audit(db, a ? a->id : "", "sign_in_failed", email,
                    "{\"address\":" + core::json_quote(address) + "}", wall_clock_ms());
      return out;
    }
    if (a->enabled) {
      out.refresh_token = core::new_refresh_token();
      const auto at = wall_clock_ms();
      record::open_session(db, core::refresh_token_hash(out.refresh_token), a->id, at, at + ttl_ms,
                           address);
      record::audit(db, a->id, "sign_in", a->id, "{\"address\":" + core::json_quote(address) + "}",
                    at);
    }
    out.account = std::move(a);
    return out;
  };
  auto found = co_await on_record(ctx_.io, *ctx_.record, std::move(check));
  if (!found.account) {
    co_return error_reply(401, "bad_credentials", "wrong email or password");
  }
  if (!found.account->enabled) {
    co_return error_reply(403, "disabled", "this account is disabled; ask an admin");
  }
  std::int64_t expires_ms = 0;
  auto token = co_await issue_token(*found.account, &expires_ms);
  co_return signed_in_reply(token, expires_ms, found.refresh_token, *found.account);
}

asio::awaitable<http_response> team_api::renew(const http_request& request) {
  http_response bad;
  const auto hash = refresh_hash_of(request, &bad);
  if (hash.empty()) co_return bad;
  record_work<std::optional<record::account>> find = [hash](record::pg_connection& db) {
    return record::session_account(db, hash, wall_clock_ms());
  };
  auto a = co_await on_record(ctx_.io, *ctx_.record, std::move(find));
  if (!a || !a->enabled) {
    co_return error_reply(401, "session_expired", "signed out; sign in again");
  }
  std::int64_t expires_ms = 0;
  auto token = co_await issue_token(*a, &expires_ms);
  co_return signed_in_reply(token, expires_ms, "", *a);
}

asio::awaitable<http_response> team_api::logout(const http_request& request) {
  http_response bad;
  const auto hash = refresh_hash_of(request, &bad);
  if (hash.empty()) co_return bad;
  record_work<bool> close = [hash](record::pg_connection& db) {
    record::close_session(db, hash);
    return true;
  };
  co_await on_record(ctx_.io, *ctx_.record, std::move(close));
  co_return json_reply(200, R"({"signed_out":true})");
}

asio::awaitable<std::string> team_api::issue_token(const record::account& a,
                                                   std::int64_t* expires_ms) {
  // Revocation stamps Redis's clock; a token minted by a node whose clock lags must still be
  // newer than the revocation that made the console renew.
  const auto not_before = co_await ctx_.reads.agent_not_before(a.id);
  const auto now = std::max(wall_clock_ms(), not_before);
  core::agent_claims c;
  c.agent_id = a.id;
  c.display_name = a.display_name;
  c.departments = a.departments;
  c.capacity = a.capacity;
  c.role = a.role;
  c.issued_at_ms = now;
  c.expires_at_s = now / 1000 + static_cast<std::int64_t>(ctx_.options.staff_token_ttl.count());
  *expires_ms = c.expires_at_s * 1000;
  co_return core::sign_agent_token(c, ctx_.options.secret);
}

}  // namespace lc::service
