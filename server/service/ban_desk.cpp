#include "server/service/ban_desk.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "server/core/ban.hpp"
#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/utf8.hpp"
#include "server/core/validate.hpp"
#include "server/record/audit_log.hpp"
#include "server/record/bans.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"
#include "server/service/team_api.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::size_t max_listed = 500;

void ban_json(core::json_writer& j, const record::ban_row& b, std::int64_t now_ms) {
  j.begin_object();
  j.key("id").value(b.id);
  j.key("kind").value(b.kind);
  j.key("value").value(b.value);
  j.key("conversation_id").value(b.conversation_id);
  j.key("reason").value(b.reason);
  j.key("created_by").value(b.created_by);
  j.key("created_ms").value(b.created_ms);
  j.key("expires_ms").value(b.expires_ms);
  j.key("lifted_by").value(b.lifted_by);
  j.key("lifted_ms").value(b.lifted_ms);
  j.key("active").value(b.in_force(now_ms));
  j.end_object();
}

std::string audit_detail(const record::ban_row& b) {
  core::json_writer j;
  j.begin_object();
  j.key("id").value(b.id);
  j.key("kind").value(b.kind);
  j.key("value").value(b.value);
  j.key("reason").value(b.reason);
  j.key("expires_ms").value(b.expires_ms);
  j.end_object();
  return j.str();
}

// What a POST asks for, checked; the reason for the caller when something is wrong.
struct ban_request {
  std::string conversation_id;
  std::vector<core::ban_kind> kinds;     // from a conversation (empty: all it has)
  std::optional<core::ban_subject> one;  // or one identifier named outright
  std::int64_t duration_s = 0;
  std::string reason;
};

std::optional<std::string> parse_request(const core::json_value& body, ban_request& out) {
  std::optional<core::ban_kind> kind;
  std::optional<std::string> value;
  bool has_duration = false;
  for (const auto& [key, v] : body.members()) {
    if (key == "conversation_id") {
      if (!v.is_string() || !core::is_issued_id('c', v.as_string())) {
        return "'conversation_id': a conversation id";
      }
      out.conversation_id = v.as_string();
    } else if (key == "kinds") {
      if (!v.is_array() || v.items().empty()) {
        return R"('kinds': a list of "visitor", "address", "email")";
      }
      for (const auto& k : v.items()) {
        const auto parsed = k.is_string() ? core::parse_ban_kind(k.as_string()) : std::nullopt;
        if (!parsed) return R"('kinds': a list of "visitor", "address", "email")";
        if (std::find(out.kinds.begin(), out.kinds.end(), *parsed) == out.kinds.end()) {
          out.kinds.push_back(*parsed);
        }
      }
    } else if (key == "kind") {
      kind = v.is_string() ? core::parse_ban_kind(v.as_string()) : std::nullopt;
      if (!kind) return R"('kind': "visitor", "address" or "email")";
    } else if (key == "value") {
      if (!v.is_string()) return "'value': text";
      value = v.as_string();
    } else if (key == "duration_seconds") {
      const auto n = v.as_int64();
      if (!v.is_integer() || !n ||
          (*n != 0 && (*n < core::min_ban_seconds || *n > core::max_ban_seconds))) {
        return "'duration_seconds': 0 (until lifted) or " + std::to_string(core::min_ban_seconds) +
               ".." + std::to_string(core::max_ban_seconds);
      }
      out.duration_s = *n;
      has_duration = true;
    } else if (key == "reason") {
      if (!v.is_string() || core::trim_blanks(v.as_string()).empty() ||
          v.as_string().size() > core::max_ban_reason_bytes ||
          !core::is_valid_utf8(v.as_string())) {
        return "'reason': 1.." + std::to_string(core::max_ban_reason_bytes) + " bytes of text";
      }
      out.reason = core::trim_blanks(v.as_string());
    } else {
      return "unknown field '" + key + "'";
    }
  }
  if (!has_duration) return "'duration_seconds' is required (0: until lifted)";
  if (out.reason.empty()) return "'reason' is required";
  if (out.conversation_id.empty() == !kind.has_value()) {
    return "give either 'conversation_id' (and 'kinds') or 'kind' and 'value'";
  }
  if (kind) {
    if (!value || !out.kinds.empty()) return "'kind' goes with 'value' (and no 'kinds')";
    out.one = core::make_ban_subject(*kind, *value);
    if (!out.one) {
      return "'value' is no " + std::string(core::ban_kind_name(*kind)) +
             (*kind == core::ban_kind::visitor ? " id" : "");
    }
  } else if (value) {
    return "'value' goes with 'kind'";
  }
  return std::nullopt;
}

// May `who` act on a chat of `department` held by `agent`?
bool may_ban_from(const core::agent_claims& who, const std::string& department,
                  const std::string& agent) {
  if (who.admin() || agent == who.agent_id) return true;
  return who.supervises() && std::find(who.departments.begin(), who.departments.end(),
                                       department) != who.departments.end();
}

}  // namespace

asio::awaitable<std::optional<http_response>> ban_desk::route(const core::agent_claims& who,
                                                              const http_request& request,
                                                              const std::string& path) {
  constexpr std::string_view prefix = "/api/bans";
  if (path.rfind(prefix, 0) != 0 || (path.size() > prefix.size() && path[prefix.size()] != '/')) {
    co_return std::nullopt;
  }
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  if (path.size() == prefix.size()) {
    if (request.method == "POST") {
      http_response bad;
      auto body = json_object_body(request, &bad);
      if (!body) co_return bad;
      co_return co_await add(who, *body);
    }
    if (request.method != "GET") {
      co_return error_reply(405, "method_not_allowed", "GET or POST /api/bans");
    }
    if (!who.supervises()) {
      co_return error_reply(403, "forbidden", "only supervisors and admins list bans");
    }
    const auto query = request.target.find('?');
    const bool all =
        query != std::string::npos && request.target.find("all=1", query) != std::string::npos;
    co_return co_await list(all);
  }
  const auto id = rest::path_id(std::string_view(path).substr(prefix.size() + 1));
  if (!id) co_return error_reply(400, "bad_request", "malformed ban id");
  if (request.method != "DELETE") {
    co_return error_reply(405, "method_not_allowed", "DELETE /api/bans/{id}");
  }
  if (!who.supervises()) {
    co_return error_reply(403, "forbidden", "only supervisors and admins lift bans");
  }
  co_return co_await lift(who, *id);
}

asio::awaitable<http_response> ban_desk::add(const core::agent_claims& who,
                                             const core::json_value& body) {
  ban_request req;
  if (auto wrong = parse_request(body, req)) co_return error_reply(400, "invalid", *wrong);
  std::vector<core::ban_subject> subjects;
  std::string open_conversation, department;
  if (req.one) {
    if (!who.supervises()) {
      co_return error_reply(403, "forbidden",
                            "agents ban from a chat of theirs; supervisors and admins ban an "
                            "address, email or visitor id outright");
    }
    subjects.push_back(*req.one);
  } else {
    const auto c = co_await ctx_.reads.conversation(req.conversation_id);
    if (!c) co_return error_reply(404, "not_found", "no such conversation (or no longer live)");
    if (!may_ban_from(who, c->department, c->agent_id)) {
      co_return error_reply(403, "forbidden", "not a chat of yours or of your departments");
    }
    if (req.kinds.empty()) {
      req.kinds = {core::ban_kind::visitor, core::ban_kind::address, core::ban_kind::email};
    }
    const bool chosen = body.find("kinds") != nullptr;
    for (const auto kind : req.kinds) {
      std::optional<core::ban_subject> s;
      if (kind == core::ban_kind::visitor) {
        s = core::make_ban_subject(kind, c->visitor_id);
      } else if (kind == core::ban_kind::address) {
        if (auto text = core::unhex(c->address_hex)) s = core::make_ban_subject(kind, *text);
      } else if (!c->email.empty()) {
        s = core::make_ban_subject(kind, c->email);
      }
      if (s) {
        subjects.push_back(std::move(*s));
      } else if (chosen) {
        co_return error_reply(
            400, "invalid",
            "this chat has no " + std::string(core::ban_kind_name(kind)) + " to ban");
      }
    }
    if (subjects.empty()) co_return error_reply(400, "invalid", "this chat has nothing to ban");
    if (c->state != pb::CONVERSATION_STATE_CLOSED) open_conversation = c->id;
    department = c->department;
  }

  const auto now = wall_clock_ms();
  std::vector<record::ban_row> rows;
  for (const auto& s : subjects) {
    record::ban_row b;
    b.kind = core::ban_kind_name(s.kind);
    b.value = s.value;
    b.key_part = s.key_part;
    b.conversation_id = req.conversation_id;
    b.reason = req.reason;
    b.created_by = who.agent_id;
    b.created_ms = now;
    b.expires_ms = req.duration_s == 0 ? 0 : now + req.duration_s * 1000;
    rows.push_back(std::move(b));
  }
  record_work<std::vector<record::ban_row>> write = [rows](record::pg_connection& db) {
    return record::in_transaction(db, [&] {
      auto stored = record::add_bans(db, rows);
      for (const auto& b : stored) {
        record::audit(db, b.created_by, "ban.add",
                      b.conversation_id.empty() ? b.value : b.conversation_id, audit_detail(b),
                      b.created_ms);
      }
      return stored;
    });
  };
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  // Recorded: now in force on every node. Should Redis fail here, restore() puts them in when
  // it is back; until then the answer says so.
  try {
    for (const auto& b : rows) {
      co_await ctx_.bans.put(b.key_part, b.id,
                             std::chrono::milliseconds(b.expires_ms == 0 ? 0 : b.expires_ms - now));
    }
    if (!open_conversation.empty()) {
      store::close_params p{open_conversation, pb::ROLE_SYSTEM, "ban", {}};
      co_await ctx_.store.close(std::move(p));
      ctx_.metrics.add("livechat_conversations_closed_total", 1, {{"department", department}});
      closed_(open_conversation, department);
    }
  } catch (const store::store_error& e) {
    // A chat that closed meanwhile (CONFLICT) is no failure of the ban.
    if (e.code() != pb::ERROR_CODE_CONFLICT) {
      spdlog::warn("bans: recorded, not yet in force: {}", e.what());
      co_return error_reply(503, "unavailable",
                            "the ban is recorded and comes into force when Redis is back");
    }
    open_conversation.clear();
  }
  ctx_.metrics.add("livechat_bans_total", static_cast<double>(rows.size()));
  core::json_writer j;
  j.begin_object().key("bans").begin_array();
  for (const auto& b : rows) ban_json(j, b, now);
  j.end_array().key("closed_conversation_id").value(open_conversation).end_object();
  co_return json_reply(201, j.str());
}

asio::awaitable<http_response> ban_desk::list(bool all) {
  const auto now = wall_clock_ms();
  record_work<std::vector<record::ban_row>> read = [all, now](record::pg_connection& db) {
    return record::list_bans(db, all, now, max_listed);
  };
  std::vector<record::ban_row> rows;
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  core::json_writer j;
  j.begin_object().key("bans").begin_array();
  for (const auto& b : rows) ban_json(j, b, now);
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> ban_desk::lift(const core::agent_claims& who, std::int64_t id) {
  const auto now = wall_clock_ms();
  struct outcome {
    std::optional<record::ban_row> row;
    bool lifted = false;
  };
  record_work<outcome> write = [id, by = who.agent_id, now](record::pg_connection& db) {
    return record::in_transaction(db, [&] {
      outcome o;
      o.row = record::find_ban(db, id);
      if (!o.row || !o.row->in_force(now)) return o;
      o.row = record::lift_ban(db, id, by, now);
      o.lifted = true;
      record::audit(db, by, "ban.lift",
                    o.row->conversation_id.empty() ? o.row->value : o.row->conversation_id,
                    audit_detail(*o.row), now);
      return o;
    });
  };
  outcome o;
  try {
    o = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  if (!o.row) co_return error_reply(404, "not_found", "no such ban");
  if (!o.lifted) co_return error_reply(409, "conflict", "the ban was already lifted or expired");
  // In force on no identifier once its key is gone; a ban in force on the same identifier
  // would have lifted this one, so the key is this ban's.
  co_await ctx_.bans.remove(o.row->key_part);
  core::json_writer j;
  ban_json(j, *o.row, now);
  co_return json_reply(200, j.str());
}

asio::awaitable<void> ban_desk::restore() {
  if (ctx_.record == nullptr) {
    settled_ = true;
    co_return;
  }
  const auto now = wall_clock_ms();
  record_work<std::vector<record::ban_row>> read = [now](record::pg_connection& db) {
    return record::list_bans(db, false, now, 100000);
  };
  try {
    const auto rows = co_await on_record(ctx_.io, *ctx_.record, read);
    for (const auto& b : rows) {
      const auto left = b.expires_ms == 0 ? 0 : b.expires_ms - wall_clock_ms();
      if (b.expires_ms != 0 && left <= 0) continue;
      co_await ctx_.bans.put(b.key_part, b.id, std::chrono::milliseconds(left));
    }
    // A lift (or a newer ban) recorded after the read above and applied to Redis before the put
    // would be undone by it: read again, and take back what is no longer in force. A lift
    // recorded after this second read deletes its key after the put, so it stands.
    if (!rows.empty()) {
      const auto again = co_await on_record(ctx_.io, *ctx_.record, read);
      std::set<std::int64_t> in_force;
      for (const auto& b : again) in_force.insert(b.id);
      for (const auto& b : rows) {
        if (!in_force.contains(b.id)) co_await ctx_.bans.remove_if(b.key_part, b.id);
      }
      spdlog::info("bans: {} in force", again.size());
    }
  } catch (const std::exception& e) {
    spdlog::warn("bans: could not restore the bans in force: {}", e.what());
  }
  settled_ = true;
}

}  // namespace lc::service
