// The history side of the REST API: one conversation (live from Redis, or archived), search
// over the system of record, and a visitor's rights (export, erasure).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>

#include "server/core/chat_form.hpp"
#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/query.hpp"
#include "server/core/response_clock.hpp"
#include "server/core/utf8.hpp"
#include "server/record/history.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_api.hpp"
#include "server/service/rest_replies.hpp"
#include "server/store/store_error.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::size_t max_query_bytes = 200;

store::conversation_record as_record(const record::conversation_archive& a) {
  store::conversation_record c;
  c.id = a.id;
  c.visitor_id = a.visitor_id;
  c.visitor_name = a.visitor_name;
  c.email = a.email;
  c.department = a.department;
  c.page_url = a.page_url;
  c.state = pb::CONVERSATION_STATE_CLOSED;
  c.agent_id = a.agent_id;
  c.agent_name = a.agent_name;
  c.joined_ms = a.joined_ms;
  c.assigned_ms = a.assigned_ms;
  c.closed_ms = a.closed_ms;
  c.first_message = a.first_message;
  c.rating = a.rating;
  c.rating_scale = a.rating_scale;
  c.comment = a.comment;
  c.form = core::encode_answers(a.form);
  c.survey_answers = core::encode_answers(a.survey_answers);
  c.metadata = a.metadata;
  return c;
}

// The caller may read it: admins all; agents their departments' and those they had.
bool may_read(const core::agent_claims& who, const store::conversation_record& c,
              const std::vector<pb::ChatEvent>& events) {
  if (who.admin() || c.agent_id == who.agent_id) return true;
  const auto& mine = who.departments;
  if (std::find(mine.begin(), mine.end(), c.department) != mine.end()) return true;
  return std::any_of(events.begin(), events.end(),
                     [&](const pb::ChatEvent& e) { return e.agent_id() == who.agent_id; });
}

// One conversation as GET /api/conversations/{id} answers it, its response times run by the
// core clock over its events (the same definitions whether live or archived).
void write_conversation(core::json_writer& j, const store::conversation_record& rec,
                        const std::vector<pb::ChatEvent>& events, bool archived) {
  std::vector<core::clock_event> clock;
  clock.reserve(events.size());
  for (const auto& e : events) {
    clock.push_back(
        {e.kind(), e.sender_role(), e.sender_id(), e.agent_id(), e.department(), e.at_ms()});
  }
  auto times = core::measure_conversation(clock);
  j.begin_object();
  j.key("id").value(rec.id);
  j.key("state").value(store::state_name(rec.state));
  j.key("archived").value(archived);
  j.key("department").value(rec.department);
  j.key("agent_id").value(rec.agent_id);
  j.key("agent_name").value(rec.agent_name);
  j.key("joined_at_ms").value(rec.joined_ms);
  j.key("assigned_at_ms").value(rec.assigned_ms);
  j.key("closed_at_ms").value(rec.closed_ms);
  j.key("visitor").begin_object();
  j.key("id").value(rec.visitor_id);
  j.key("name").value(rec.visitor_name);
  j.key("email").value(rec.email);
  j.key("page_url").value(rec.page_url);
  j.key("metadata").begin_object();
  for (const auto& [k, v] : rec.metadata) j.key(k).value(v);
  j.end_object();
  j.end_object();
  if (rec.rating == 0) {
    j.key("rating").null();
  } else {
    j.key("rating").value(static_cast<std::uint64_t>(rec.rating));
  }
  j.key("rating_scale").value(static_cast<std::uint64_t>(rec.rating_scale));
  j.key("comment").value(rec.comment);
  j.key("survey_answers");
  core::write_answers_json(j, core::decode_answers(rec.survey_answers));
  j.key("form");
  core::write_answers_json(j, core::decode_answers(rec.form));
  j.key("times").begin_object();
  j.key("closed").value(times.closed);
  j.key("missed").value(times.missed);
  j.key("visitor_messages").value(static_cast<std::uint64_t>(times.visitor_messages));
  j.key("agent_messages").value(static_cast<std::uint64_t>(times.agent_messages));
  std::optional<std::int64_t> frt, resolution;
  j.key("queue_waits_ms").begin_array();
  for (const auto& m : times.measurements) {
    if (m.what == core::measure::queue_wait) j.value(m.value_ms);
    if (m.what == core::measure::first_response) frt = m.value_ms;
    if (m.what == core::measure::resolution) resolution = m.value_ms;
  }
  j.end_array();
  j.key("response_times_ms").begin_array();
  for (const auto& m : times.measurements) {
    if (m.what == core::measure::response) j.value(m.value_ms);
  }
  j.end_array();
  j.key("first_response_ms");
  frt ? j.value(*frt) : j.null();
  j.key("resolution_ms");
  resolution ? j.value(*resolution) : j.null();
  j.key("measurements").begin_array();
  for (const auto& m : times.measurements) {
    j.begin_object();
    j.key("measure").value(core::measure_name(m.what));
    j.key("value_ms").value(m.value_ms);
    j.key("at_ms").value(m.at_ms);
    j.key("agent_id").value(m.agent_id);
    j.key("department").value(m.department);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  j.key("events").begin_array();
  for (const auto& e : events) {
    j.begin_object();
    j.key("seq").value(e.seq());
    j.key("kind").value(pb::EventKind_Name(e.kind()));
    j.key("role").value(rest::role_name(e.sender_role()));
    j.key("sender_id").value(e.sender_id());
    j.key("sender_name").value(e.sender_name());
    j.key("text").value(e.text());
    rest::write_attachment(j, e);
    if (!e.page_title().empty()) j.key("page_title").value(e.page_title());
    j.key("at_ms").value(e.at_ms());
    if (!e.agent_id().empty()) j.key("agent_id").value(e.agent_id());
    if (!e.department().empty()) j.key("department").value(e.department());
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace

asio::awaitable<http_response> rest_api::conversation(const core::agent_claims& who,
                                                      const std::string& id) {
  // Redis first: live, or closed within the window (then it may not be archived yet).
  if (auto rec = co_await ctx_.reads.conversation(id)) {
    auto events = co_await ctx_.reads.events(id, 0);
    if (!may_read(who, *rec, events)) {
      co_return error_reply(404, "not_found", "no such conversation");
    }
    core::json_writer j;
    write_conversation(j, *rec, events, false);
    co_return json_reply(200, j.str());
  }
  if (ctx_.record == nullptr) co_return error_reply(404, "not_found", "no such conversation");
  record_work<std::optional<record::conversation_archive>> read =
      [id](record::pg_connection& db) -> std::optional<record::conversation_archive> {
    record::conversation_archive a;
    if (!record::read_archive(db, id, a)) return std::nullopt;
    return a;
  };
  auto archived = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  if (!archived) co_return error_reply(404, "not_found", "no such conversation");
  const auto rec = as_record(*archived);
  if (!record::may_read(*archived, who.admin(), who.agent_id, who.departments)) {
    co_return error_reply(404, "not_found", "no such conversation");
  }
  core::json_writer j;
  write_conversation(j, rec, archived->events, true);
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::search(const core::agent_claims& who,
                                                const params_map& params) {
  static const std::set<std::string> known = {"q",          "visitor", "email", "agent",
                                              "department", "tag",     "from",  "to",
                                              "rating",     "cursor",  "limit"};
  for (const auto& [k, v] : params) {
    if (!known.count(k)) co_return error_reply(400, "bad_request", "unknown parameter '" + k + "'");
  }
  auto param = [&](const char* k) {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  };
  record::history_query q;
  q.text = param("q");
  if (q.text.size() > max_query_bytes || !core::is_valid_utf8(q.text)) {
    co_return error_reply(400, "bad_request", "'q' must be UTF-8, at most 200 bytes");
  }
  q.visitor = param("visitor");
  if (!q.visitor.empty() && !core::is_issued_id('v', q.visitor)) {
    co_return error_reply(400, "bad_request", "malformed visitor id");
  }
  q.email = param("email");
  if (q.email.size() > 254 || !core::is_valid_utf8(q.email)) {
    co_return error_reply(400, "bad_request", "malformed email");
  }
  q.agent = param("agent");
  q.department = param("department");
  q.tag = param("tag");
  for (const auto* id : {&q.agent, &q.department, &q.tag}) {
    if (!id->empty() && !core::is_operator_id(*id)) {
      co_return error_reply(400, "bad_request", "malformed agent, department or tag");
    }
  }
  const auto& mine = who.departments;
  if (!q.department.empty() && !who.admin() &&
      std::find(mine.begin(), mine.end(), q.department) == mine.end()) {
    co_return error_reply(403, "forbidden", "not an agent of that department");
  }
  for (auto [name, out] : {std::pair{"from", &q.from_ms}, std::pair{"to", &q.to_ms}}) {
    if (param(name).empty()) continue;
    auto t = core::parse_time_ms(param(name));
    if (!t)
      co_return error_reply(400, "bad_request", "'from' and 'to' must be unix ms or ISO-8601");
    *out = *t;
  }
  if (!param("rating").empty()) {
    auto r = core::parse_count(param("rating"), 5);
    if (!r) co_return error_reply(400, "bad_request", "'rating' must be 1..5");
    q.rating = static_cast<std::uint32_t>(*r);
  }
  if (!param("limit").empty()) {
    auto l = core::parse_count(param("limit"), 100);
    if (!l) co_return error_reply(400, "bad_request", "'limit' must be 1..100");
    q.limit = static_cast<std::uint32_t>(*l);
  }
  q.cursor = param("cursor");
  if (!q.cursor.empty() && !record::valid_history_cursor(q.cursor)) {
    co_return error_reply(400, "bad_request", "malformed cursor");
  }
  q.admin = who.admin();
  q.caller = who.agent_id;
  q.caller_departments = who.departments;
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  record_work<record::history_page> find = [q](record::pg_connection& db) {
    return record::search_history(db, q);
  };
  auto page = co_await on_record(ctx_.io, *ctx_.record, std::move(find));
  core::json_writer j;
  j.begin_object().key("conversations").begin_array();
  for (const auto& h : page.hits) {
    j.begin_object();
    j.key("id").value(h.id);
    j.key("visitor_id").value(h.visitor_id);
    j.key("visitor_name").value(h.visitor_name);
    j.key("email").value(h.email);
    j.key("department").value(h.department);
    j.key("agent_id").value(h.agent_id);
    j.key("agent_name").value(h.agent_name);
    j.key("joined_at_ms").value(h.joined_ms);
    j.key("closed_at_ms").value(h.closed_ms);
    if (h.rating == 0) {
      j.key("rating").null();
    } else {
      j.key("rating").value(static_cast<std::uint64_t>(h.rating));
    }
    j.key("missed").value(h.missed);
    j.key("visitor_messages").value(static_cast<std::uint64_t>(h.visitor_messages));
    j.key("agent_messages").value(static_cast<std::uint64_t>(h.agent_messages));
    j.key("first_message").value(h.first_message);
    j.key("snippet").value(h.snippet);
    j.end_object();
  }
  j.end_array();
  j.key("next_cursor");
  page.next_cursor.empty() ? j.null() : j.value(page.next_cursor);
  j.end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::export_visitor(const core::agent_claims& who,
                                                        const std::string& visitor) {
  if (!who.admin()) co_return error_reply(403, "forbidden", "only admins may export a visitor");
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  const auto actor = who.agent_id;
  record_work<std::vector<record::conversation_archive>> gather =
      [visitor, actor](record::pg_connection& db) {
        auto all = record::visitor_archives(db, visitor);
        record::audit(db, actor, "visitor_export", visitor,
                      "{\"conversations\":" + std::to_string(all.size()) + "}", wall_clock_ms());
        return all;
      };
  auto archived = co_await on_record(ctx_.io, *ctx_.record, std::move(gather));
  core::json_writer j;
  j.begin_object();
  j.key("visitor_id").value(visitor);
  j.key("exported_at_ms").value(wall_clock_ms());
  j.key("conversations").begin_array();
  std::set<std::string> seen;
  for (const auto& a : archived) {
    seen.insert(a.id);
    write_conversation(j, as_record(a), a.events, true);
  }
  // And what only Redis holds yet: an open conversation, or one not archived so far.
  for (const auto& id : co_await ctx_.reads.visitor_conversations(visitor, 50)) {
    if (seen.count(id)) continue;
    auto rec = co_await ctx_.reads.conversation(id);
    if (!rec || rec->visitor_id != visitor) continue;
    write_conversation(j, *rec, co_await ctx_.reads.events(id, 0), false);
  }
  j.end_array();
  j.end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::erase_visitor(const core::agent_claims& who,
                                                       const std::string& visitor) {
  if (!who.admin()) co_return error_reply(403, "forbidden", "only admins may erase a visitor");
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  // Redis first (refused while a chat is open, before anything is gone), then the record, which
  // also stops an archive of theirs still in flight from writing it back.
  std::vector<std::string> live;
  bool open_chat = false;
  try {
    live = co_await ctx_.store.erase_visitor(visitor);
  } catch (const store::store_error& e) {
    if (e.code() != pb::ERROR_CODE_CONFLICT) throw;
    open_chat = true;
  }
  if (open_chat) {
    co_return error_reply(409, "conflict", "the visitor has a conversation open: close it first");
  }
  const auto actor = who.agent_id;
  const auto live_count = live.size();
  record_work<std::vector<std::string>> erase = [visitor, actor,
                                                 live_count](record::pg_connection& db) {
    auto ids = record::erase_visitor(db, visitor, wall_clock_ms());
    record::audit(db, actor, "visitor_erase", visitor,
                  "{\"archived\":" + std::to_string(ids.size()) +
                      ",\"live\":" + std::to_string(live_count) + "}",
                  wall_clock_ms());
    return ids;
  };
  auto archived = co_await on_record(ctx_.io, *ctx_.record, std::move(erase));
  std::set<std::string> all(live.begin(), live.end());
  all.insert(archived.begin(), archived.end());
  spdlog::info("visitor {} erased by {}: {} conversation(s)", visitor, actor, all.size());
  core::json_writer j;
  j.begin_object();
  j.key("visitor_id").value(visitor);
  j.key("conversations_erased").value(static_cast<std::uint64_t>(all.size()));
  j.end_object();
  co_return json_reply(200, j.str());
}

}  // namespace lc::service
