// What a team shares: canned responses per department, the tags supervisors offer, the
// departments; and the routing of the team's side of the REST API.
#include <algorithm>

#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/utf8.hpp"
#include "server/record/audit_log.hpp"
#include "server/record/team_lists.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"
#include "server/service/team_api.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::size_t max_shortcut_bytes = 32;

// Supervisors manage their departments' lists, admins every list and the global ones.
bool may_manage(const core::agent_claims& who, const std::string& department) {
  if (who.admin()) return true;
  if (!who.supervises() || department.empty()) return false;
  const auto& mine = who.departments;
  return std::find(mine.begin(), mine.end(), department) != mine.end();
}

std::string canned_json(const record::canned_response& c) {
  core::json_writer j;
  j.begin_object();
  j.key("id").value(c.id);
  j.key("department").value(c.department);
  j.key("shortcut").value(c.shortcut);
  j.key("text").value(c.text);
  j.key("updated_by").value(c.updated_by);
  j.key("updated_ms").value(c.updated_ms);
  j.end_object();
  return j.str();
}

}  // namespace

asio::awaitable<std::optional<http_response>> team_api::route(const core::agent_claims& who,
                                                              const http_request& request,
                                                              const std::string& path) {
  const auto under = [&](std::string_view prefix) {
    return path == prefix || path.rfind(std::string(prefix) + "/", 0) == 0;
  };
  if (!under("/api/accounts") && !under("/api/audit") && !under("/api/canned") &&
      !under("/api/tags") && !under("/api/departments")) {
    co_return std::nullopt;
  }
  if (path == "/api/departments") {
    if (request.method != "GET") co_return error_reply(405, "method_not_allowed", "GET only");
    co_return departments();
  }
  if (under("/api/departments")) {
    if (request.method != "PUT" && request.method != "DELETE") {
      co_return error_reply(405, "method_not_allowed", "PUT or DELETE /api/departments/{id}");
    }
    if (!who.admin()) co_return error_reply(403, "forbidden", "only admins manage departments");
    if (ctx_.record == nullptr) co_return rest::no_record_reply();
    const auto id = path.substr(std::string_view("/api/departments/").size());
    if (request.method == "DELETE") co_return co_await remove_department(who, id);
    http_response bad;
    auto body = json_object_body(request, &bad);
    if (!body) co_return bad;
    co_return co_await save_department(who, id, *body);
  }
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  if (under("/api/canned")) co_return co_await canned(who, request, path);
  if (under("/api/tags")) co_return co_await tags(who, request, path);
  if (!who.admin()) co_return error_reply(403, "forbidden", "only admins manage accounts");
  if (path == "/api/audit") {
    if (request.method != "GET") co_return error_reply(405, "method_not_allowed", "GET only");
    co_return co_await audit_log(request.target);
  }
  if (path == "/api/accounts") {
    if (request.method == "GET") co_return co_await list_accounts();
    if (request.method != "POST") {
      co_return error_reply(405, "method_not_allowed", "GET or POST /api/accounts");
    }
    http_response bad;
    auto body = json_object_body(request, &bad);
    if (!body) co_return bad;
    co_return co_await create_account(who, *body);
  }
  if (request.method != "PATCH") {
    co_return error_reply(405, "method_not_allowed", "PATCH /api/accounts/{id}");
  }
  http_response bad;
  auto body = json_object_body(request, &bad);
  if (!body) co_return bad;
  co_return co_await update_account(who, path.substr(std::string_view("/api/accounts/").size()),
                                    *body);
}

asio::awaitable<http_response> team_api::canned(const core::agent_claims& who,
                                                const http_request& request,
                                                const std::string& path) {
  constexpr std::string_view prefix = "/api/canned";
  if (path == prefix && request.method == "GET") {
    const auto departments = who.departments;
    const bool all = who.admin();
    record_work<std::vector<record::canned_response>> list = [departments,
                                                              all](record::pg_connection& db) {
      return record::list_canned(db, departments, all);
    };
    auto rows = co_await on_record(ctx_.io, *ctx_.record, std::move(list));
    std::string body = "{\"canned\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) body += (i ? "," : "") + canned_json(rows[i]);
    body += "]}";
    co_return json_reply(200, std::move(body));
  }
  std::optional<std::int64_t> id;
  if (path != prefix) {
    id = rest::path_id(std::string_view(path).substr(prefix.size() + 1));
    if (!id) co_return error_reply(404, "not_found", "no such canned response");
  }
  const bool create = !id && request.method == "POST";
  const bool update = id && (request.method == "PUT" || request.method == "PATCH");
  const bool remove = id && request.method == "DELETE";
  if (!create && !update && !remove) {
    co_return error_reply(405, "method_not_allowed",
                          "GET or POST /api/canned, PUT or DELETE /api/canned/{id}");
  }
  record::canned_response c;
  if (!remove) {
    http_response bad;
    auto body = json_object_body(request, &bad);
    if (!body) co_return bad;
    const auto* d = body->find("department");
    const auto* s = body->find("shortcut");
    const auto* t = body->find("text");
    c.department = d != nullptr && d->is_string() ? d->as_string() : "";
    c.shortcut = s != nullptr && s->is_string() ? s->as_string() : "";
    c.text = t != nullptr && t->is_string() ? t->as_string() : "";
    if (!c.department.empty() && !ctx_.departments.has(c.department)) {
      co_return error_reply(400, "bad_request", "unknown department");
    }
    if (c.shortcut.empty() || c.shortcut.size() > max_shortcut_bytes ||
        !core::is_valid_utf8(c.shortcut) ||
        std::any_of(c.shortcut.begin(), c.shortcut.end(),
                    [](char ch) { return static_cast<unsigned char>(ch) <= ' '; })) {
      co_return error_reply(400, "bad_request", "'shortcut': 1..32 bytes without spaces");
    }
    if (c.text.empty() || c.text.size() > ctx_.options.limits.max_text_bytes ||
        !core::is_valid_utf8(c.text)) {
      co_return error_reply(400, "bad_request", "'text': 1..8192 bytes of UTF-8");
    }
  }
  // The department it goes to (a removal is checked against the reply's own, below).
  if (!remove && !may_manage(who, c.department)) {
    co_return error_reply(403, "forbidden",
                          "supervisors manage their departments' replies, admins all");
  }
  c.id = id.value_or(0);
  c.updated_by = who.agent_id;
  c.updated_ms = wall_clock_ms();
  const auto caller = who;
  // The reply's id once written, or why not: -1 no such reply; -2 the reply found is not the
  // caller's to change; -3 the shortcut is taken.
  record_work<std::int64_t> write = [c, create, remove,
                                     caller](record::pg_connection& db) mutable -> std::int64_t {
    if (!create) {
      auto old = record::find_canned(db, c.id);
      if (!old) return -1;
      if (!may_manage(caller, old->department)) return -2;
    }
    try {
      if (create) {
        c.id = record::create_canned(db, c);
      } else if (remove) {
        record::delete_canned(db, c.id);
      } else {
        record::update_canned(db, c);
      }
    } catch (const record::pg_error& e) {
      if (e.sqlstate() == "23505") return -3;
      throw;
    }
    record::audit(db, caller.agent_id,
                  create   ? "canned_create"
                  : remove ? "canned_delete"
                           : "canned_update",
                  std::to_string(c.id), "{\"shortcut\":" + core::json_quote(c.shortcut) + "}",
                  c.updated_ms);
    return c.id;
  };
  const auto written = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  if (written == -1) co_return error_reply(404, "not_found", "no such canned response");
  if (written == -2) {
    co_return error_reply(403, "forbidden", "that reply belongs to another department");
  }
  if (written == -3) {
    co_return error_reply(409, "conflict", "the department already has that shortcut");
  }
  c.id = written;
  if (remove) co_return json_reply(200, R"({"deleted":true})");
  co_return json_reply(create ? 201 : 200, canned_json(c));
}

asio::awaitable<http_response> team_api::tags(const core::agent_claims& who,
                                              const http_request& request,
                                              const std::string& path) {
  constexpr std::string_view prefix = "/api/tags";
  if (path == prefix && request.method == "GET") {
    record_work<std::vector<std::string>> list = [](record::pg_connection& db) {
      return record::list_tags(db);
    };
    auto names = co_await on_record(ctx_.io, *ctx_.record, std::move(list));
    core::json_writer j;
    j.begin_object().key("tags").begin_array();
    for (const auto& n : names) j.begin_object().key("name").value(n).end_object();
    j.end_array().end_object();
    co_return json_reply(200, j.str());
  }
  std::string name;
  const bool create = path == prefix && request.method == "POST";
  const bool remove = path != prefix && request.method == "DELETE";
  if (!create && !remove) {
    co_return error_reply(405, "method_not_allowed",
                          "GET or POST /api/tags, DELETE /api/tags/{name}");
  }
  if (create) {
    http_response bad;
    auto body = json_object_body(request, &bad);
    if (!body) co_return bad;
    const auto* n = body->find("name");
    name = n != nullptr && n->is_string() ? n->as_string() : "";
  } else {
    name = path.substr(prefix.size() + 1);
  }
  if (!core::is_tag(name)) {
    co_return error_reply(400, "bad_request", "a tag is 1..32 of a-z 0-9 - _");
  }
  if (!who.supervises()) co_return error_reply(403, "forbidden", "supervisors manage tags");
  const auto actor = who.agent_id;
  record_work<bool> write = [name, create, actor](record::pg_connection& db) {
    const bool changed = create ? record::create_tag(db, name, actor, wall_clock_ms())
                                : record::delete_tag(db, name);
    if (changed) {
      record::audit(db, actor, create ? "tag_create" : "tag_delete", name, "{}", wall_clock_ms());
    }
    return changed;
  };
  const bool changed = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  if (remove && !changed) co_return error_reply(404, "not_found", "no such tag");
  core::json_writer j;
  j.begin_object().key("name").value(name).key("created").value(create && changed).end_object();
  co_return json_reply(create && changed ? 201 : 200, j.str());
}

}  // namespace lc::service
