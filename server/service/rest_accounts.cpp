// Accounts (admins): who works here, in which role, departments and capacity, and whether they
// may sign in; and the audit log of what was done to them and by them.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/password.hpp"
#include "server/core/query.hpp"
#include "server/core/utf8.hpp"
#include "server/core/validate.hpp"
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

// What an admin's body asks for, checked; `error` says what is wrong with it.
struct account_fields {
  record::account_change change;
  std::optional<std::string> id;
  std::optional<std::string> password;
  std::string error;
};

bool plausible_email(const std::string& e, std::size_t max) {
  const auto at = e.find('@');
  return !e.empty() && e.size() <= max && at != std::string::npos && at > 0 && at + 1 < e.size() &&
         e.find('@', at + 1) == std::string::npos &&
         std::none_of(e.begin(), e.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }) &&
         core::is_valid_utf8(e);
}

account_fields read_fields(const core::json_value& body, const service_options& options,
                           const department_directory& known_departments) {
  account_fields f;
  const auto fail = [&f](std::string why) {
    f.error = std::move(why);
    return f;
  };
  for (const auto& [key, v] : body.members()) {
    if (key == "id") {
      if (!v.is_string() || !core::is_operator_id(v.as_string())) {
        return fail("'id': 1..32 of a-z 0-9 . _ -, starting with a letter or digit");
      }
      f.id = v.as_string();
    } else if (key == "email") {
      if (!v.is_string() || !plausible_email(v.as_string(), options.limits.max_email_bytes)) {
        return fail("'email': an email address");
      }
      f.change.email = v.as_string();
    } else if (key == "display_name") {
      const auto name = v.is_string() ? core::trim_blanks(v.as_string()) : std::string();
      if (name.empty() || name.size() > options.limits.max_name_bytes) {
        return fail("'display_name': 1.." + std::to_string(options.limits.max_name_bytes) +
                    " bytes");
      }
      f.change.display_name = name;
    } else if (key == "role") {
      auto role = v.is_string() ? core::parse_role(v.as_string()) : std::nullopt;
      if (!role) return fail("'role': agent, supervisor or admin");
      f.change.role = role;
    } else if (key == "departments") {
      if (!v.is_array() || v.items().size() > 64) return fail("'departments': a list of ids");
      std::vector<std::string> departments;
      for (const auto& d : v.items()) {
        if (!d.is_string() || !known_departments.has(d.as_string())) {
          return fail("'departments': unknown department" +
                      (d.is_string() ? " '" + d.as_string() + "'" : std::string()));
        }
        if (std::find(departments.begin(), departments.end(), d.as_string()) == departments.end()) {
          departments.push_back(d.as_string());
        }
      }
      f.change.departments = std::move(departments);
    } else if (key == "capacity") {
      const auto c = v.as_int64();
      if (!c || *c < 0 || *c > options.limits.max_capacity) {
        return fail("'capacity': an integer in 0.." + std::to_string(options.limits.max_capacity));
      }
      f.change.capacity = static_cast<std::uint32_t>(*c);
    } else if (key == "enabled") {
      if (!v.is_bool()) return fail("'enabled': true or false");
      f.change.enabled = v.as_bool();
    } else if (key == "password") {
      std::string why;
      if (!v.is_string() || !core::password_acceptable(v.as_string(), &why)) {
        return fail("'password': " + (why.empty() ? std::string("a string") : why));
      }
      f.password = v.as_string();
    } else {
      return fail("unknown field '" + key + "'");
    }
  }
  return f;
}

// What an account change is worth recording: the fields given, never the password.
std::string change_json(const record::account_change& c, bool password) {
  core::json_writer j;
  j.begin_object();
  if (c.email) j.key("email").value(*c.email);
  if (c.display_name) j.key("display_name").value(*c.display_name);
  if (c.role) j.key("role").value(core::role_name(*c.role));
  if (c.departments) {
    j.key("departments").begin_array();
    for (const auto& d : *c.departments) j.value(d);
    j.end_array();
  }
  if (c.capacity) j.key("capacity").value(static_cast<std::uint64_t>(*c.capacity));
  if (c.enabled) j.key("enabled").value(*c.enabled);
  if (password) j.key("password").value("changed");
  j.end_object();
  return j.str();
}

// What an update found: the account after it, or why it was refused.
struct update_outcome {
  std::optional<record::account> account;
  bool last_admin = false;
};

}  // namespace

std::string account_json(const record::account& a) {
  core::json_writer j;
  j.begin_object();
  j.key("id").value(a.id);
  j.key("email").value(a.email);
  j.key("display_name").value(a.display_name);
  j.key("role").value(core::role_name(a.role));
  j.key("departments").begin_array();
  for (const auto& d : a.departments) j.value(d);
  j.end_array();
  j.key("capacity").value(static_cast<std::uint64_t>(a.capacity));
  j.key("enabled").value(a.enabled);
  j.key("created_ms").value(a.created_ms);
  j.key("updated_ms").value(a.updated_ms);
  j.end_object();
  return j.str();
}

std::optional<core::json_value> json_object_body(const http_request& request,
                                                 http_response* error) {
  std::string why;
  auto v = core::parse_json(request.body, &why);
  if (!v || !v->is_object()) {
    *error =
        error_reply(400, "bad_request",
                    v ? std::string("the body must be a JSON object") : "malformed JSON: " + why);
    return std::nullopt;
  }
  return v;
}

asio::awaitable<http_response> team_api::list_accounts() {
  record_work<std::vector<record::account>> list = [](record::pg_connection& db) {
    return record::list_accounts(db);
  };
  auto all = co_await on_record(ctx_.io, *ctx_.record, std::move(list));
  std::string body = "{\"accounts\":[";
  for (std::size_t i = 0; i < all.size(); ++i) body += (i ? "," : "") + account_json(all[i]);
  body += "]}";
  co_return json_reply(200, std::move(body));
}

asio::awaitable<http_response> team_api::create_account(const core::agent_claims& who,
                                                        const core::json_value& body) {
  auto f = read_fields(body, ctx_.options, ctx_.departments);
  if (!f.error.empty()) co_return error_reply(400, "bad_request", f.error);
  if (!f.id || !f.change.email || !f.change.display_name || !f.password) {
    co_return error_reply(400, "bad_request",
                          "give at least 'id', 'email', 'display_name' and 'password'");
  }
  record::account a;
  a.id = *f.id;
  a.email = *f.change.email;
  a.display_name = *f.change.display_name;
  a.role = f.change.role.value_or(core::staff_role::agent);
  a.departments = f.change.departments.value_or(std::vector<std::string>{});
  a.capacity = f.change.capacity.value_or(3);
  a.enabled = f.change.enabled.value_or(true);
  a.created_ms = a.updated_ms = wall_clock_ms();
  const auto password = *f.password;
  const auto actor = who.agent_id;
  const auto detail = change_json(f.change, false);
  record_work<bool> create = [a, password, actor, detail](record::pg_connection& db) mutable {
    a.password_hash = core::hash_password(password);
    try {
      record::in_transaction(db, [&] {
        record::create_account(db, a);
        record::audit(db, actor, "account_create", a.id, detail, a.created_ms);
      });
    } catch (const record::pg_error& e) {
      if (e.sqlstate() == "23505") return false;  // the id or the email is taken
      throw;
    }
    return true;
  };
  if (!co_await on_record(ctx_.io, *ctx_.record, std::move(create))) {
    co_return error_reply(409, "conflict", "an account with that id or email exists");
  }
  spdlog::info("account {} ({}) created by {}", a.id, core::role_name(a.role), actor);
  co_return json_reply(201, account_json(a));
}

asio::awaitable<http_response> team_api::update_account(const core::agent_claims& who,
                                                        const std::string& id,
                                                        const core::json_value& body) {
  if (!core::is_operator_id(id)) co_return error_reply(400, "bad_request", "malformed account id");
  auto f = read_fields(body, ctx_.options, ctx_.departments);
  if (!f.error.empty()) co_return error_reply(400, "bad_request", f.error);
  if (f.id && *f.id != id) co_return error_reply(400, "bad_request", "an account's id is fixed");
  auto change = f.change;
  const auto password = f.password;
  const auto actor = who.agent_id;
  const auto detail = change_json(f.change, f.password.has_value());
  record_work<update_outcome> update = [id, change, password, actor,
                                        detail](record::pg_connection& db) mutable {
    if (password) change.password_hash = core::hash_password(*password);
    return record::in_transaction(db, [&] {
      update_outcome out;
      // Serialises admin changes, so two admins cannot each remove the other one's rights.
      db.exec("SELECT pg_advisory_xact_lock(hashtext('livechat accounts'))");
      auto before = record::find_account(db, id);
      if (!before) return out;
      const bool loses_admin = before->role == core::staff_role::admin && before->enabled &&
                               ((change.role && *change.role != core::staff_role::admin) ||
                                (change.enabled && !*change.enabled));
      if (loses_admin && record::enabled_admins(db) <= 1) {
        out.last_admin = true;
        return out;
      }
      out.account = record::update_account(db, id, change, wall_clock_ms());
      // Signed out everywhere when disabled or given a new password: no refresh renews.
      if ((change.enabled && !*change.enabled) || change.password_hash) {
        record::close_sessions_of(db, id);
      }
      record::audit(db, actor, "account_update", id, detail, wall_clock_ms());
      return out;
    });
  };
  auto out = co_await on_record(ctx_.io, *ctx_.record, std::move(update));
  if (out.last_admin) {
    co_return error_reply(409, "last_admin",
                          "the last enabled admin cannot be demoted or disabled");
  }
  if (!out.account) co_return error_reply(404, "not_found", "no such account");
  // Whatever changed what the tokens say (or whether they may be used): every token minted
  // before now is refused and every node closes the account's connections; consoles renew and
  // come back with the new scope, or go to the sign-in page.
  const bool rescoped = change.role || change.departments || change.capacity || change.enabled ||
                        change.display_name || password;
  if (rescoped) co_await ctx_.store.revoke_agent(id);
  spdlog::info("account {} changed by {}: {}", id, actor, detail);
  co_return json_reply(200, account_json(*out.account));
}

asio::awaitable<http_response> team_api::audit_log(const std::string& target) {
  auto parsed = core::parse_target(target);
  std::size_t limit = 100;
  std::int64_t before = 0;
  std::string who;
  if (parsed) {
    const auto& p = parsed->params;
    if (auto l = p.find("limit"); l != p.end()) {
      auto v = core::parse_count(l->second, 1000);
      if (!v) co_return error_reply(400, "bad_request", "'limit' must be an integer in 1..1000");
      limit = *v;
    }
    if (auto b = p.find("before"); b != p.end()) {
      auto v = core::parse_count(b->second, INT64_MAX);
      if (!v) co_return error_reply(400, "bad_request", "'before' must be an entry id");
      before = static_cast<std::int64_t>(*v);
    }
    if (auto w = p.find("who"); w != p.end()) {
      if (w->second.size() > 254) co_return error_reply(400, "bad_request", "'who' is too long");
      who = w->second;
    }
  }
  record_work<std::vector<record::audit_entry>> read = [limit, before,
                                                        who](record::pg_connection& db) {
    return record::audit_entries(db, limit, before, who);
  };
  auto entries = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  std::string body = "{\"entries\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    core::json_writer j;
    j.begin_object();
    j.key("id").value(e.id);
    j.key("at_ms").value(e.at_ms);
    j.key("actor").value(e.actor);
    j.key("action").value(e.action);
    j.key("subject").value(e.subject);
    j.end_object();
    // The detail is JSON PostgreSQL wrote: spliced in as it is.
    auto line = j.str();
    line.insert(line.size() - 1, ",\"detail\":" + e.detail_json);
    body += (i ? "," : "") + line;
  }
  body += "]}";
  co_return json_reply(200, std::move(body));
}

}  // namespace lc::service
