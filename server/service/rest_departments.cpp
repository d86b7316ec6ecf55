// /api/departments: the departments as routed now (names, hours and whether they are open, the
// routing settings), and an admin's PUT of one, checked, stored and applied on this node at once
// (on the others within a few seconds), or DELETE of one nobody is waiting or chatting in.
#include <boost/asio/use_awaitable.hpp>

#include "server/core/chat_form.hpp"
#include "server/core/file_type.hpp"
#include "server/core/ids.hpp"
#include "server/core/invitation_rule.hpp"
#include "server/core/json.hpp"
#include "server/record/audit_log.hpp"
#include "server/record/departments.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"
#include "server/service/team_api.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::size_t max_display_name_bytes = 100;
constexpr std::size_t max_hours_text_bytes = 1000;
constexpr std::size_t max_holidays_text_bytes = 5000;
constexpr std::int64_t max_seconds = 86400;

bool plausible_language(const std::string& tag) {
  if (tag.size() > 35) return false;
  for (const char c : tag) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

void department_json(core::json_writer& j, const department& d, std::int64_t now_ms) {
  const auto& s = d.settings;
  j.begin_object();
  j.key("id").value(s.id);
  j.key("display_name").value(s.display_name);
  j.key("language").value(s.language);
  j.key("time_zone").value(s.time_zone);
  j.key("hours").value(s.hours);
  j.key("holidays").value(s.holidays);
  const auto opens = d.hours.next_opening(now_ms);
  j.key("closed").value(opens != now_ms);
  j.key("opens_at_ms").value(opens && *opens != now_ms ? *opens : std::int64_t{0});
  j.key("reassign_after_seconds");
  s.reassign_after_seconds ? j.value(static_cast<std::int64_t>(*s.reassign_after_seconds))
                           : j.null();
  j.key("required_tag").value(s.required_tag);
  j.key("waiting_target_seconds").value(static_cast<std::int64_t>(s.waiting_target_seconds));
  j.key("idle_prompt_after_seconds").value(static_cast<std::int64_t>(s.idle_prompt_after_seconds));
  j.key("idle_close_after_seconds").value(static_cast<std::int64_t>(s.idle_close_after_seconds));
  j.key("auto_away_seconds").value(static_cast<std::int64_t>(s.auto_away_seconds));
  j.key("max_file_mb");
  s.max_file_mb ? j.value(static_cast<std::int64_t>(*s.max_file_mb)) : j.null();
  j.key("file_types").value(s.file_types);
  j.key("pre_chat_form");
  core::write_form_json(j, d.pre_chat_form);
  j.key("survey");
  core::write_survey_json(j, d.survey);
  j.key("invitation_rules");
  core::write_rules_json(j, d.invitation_rules);
  j.key("updated_by").value(s.updated_by);
  j.key("updated_ms").value(s.updated_ms);
  j.end_object();
}

// Applies the body's fields to `row`; the reason (for the admin) when one is wrong.
std::optional<std::string> apply_fields(const core::json_value& body, record::department_row& row) {
  const auto text = [](const core::json_value& v, std::size_t max, std::string& out) {
    if (!v.is_string() || v.as_string().size() > max) return false;
    out = v.as_string();
    return true;
  };
  const auto seconds = [](const core::json_value& v, std::int64_t min, std::int32_t& out) {
    const auto n = v.as_int64();
    if (!v.is_integer() || !n || *n < min || *n > max_seconds) return false;
    out = static_cast<std::int32_t>(*n);
    return true;
  };
  for (const auto& [key, v] : body.members()) {
    if (key == "display_name") {
      if (!text(v, max_display_name_bytes, row.display_name) || row.display_name.empty()) {
        return "'display_name': 1.." + std::to_string(max_display_name_bytes) + " bytes";
      }
    } else if (key == "language") {
      if (!text(v, 35, row.language) || !plausible_language(row.language)) {
        return "'language': a language tag such as \"de\" or \"pt-BR\", or \"\"";
      }
    } else if (key == "time_zone") {
      if (!text(v, 64, row.time_zone) || !core::is_time_zone_name(row.time_zone)) {
        return "'time_zone': a zone name such as \"Europe/Berlin\" or \"UTC\"";
      }
    } else if (key == "hours") {
      if (!text(v, max_hours_text_bytes, row.hours))
        return "'hours': text such as \"mon-fri 09:00-17:00\"";
    } else if (key == "holidays") {
      if (!text(v, max_holidays_text_bytes, row.holidays)) {
        return "'holidays': dates such as \"2026-12-24, 2026-12-25\"";
      }
    } else if (key == "reassign_after_seconds") {
      std::int32_t s = 0;
      if (v.is_null()) {
        row.reassign_after_seconds.reset();
      } else if (seconds(v, 0, s)) {
        row.reassign_after_seconds = s;
      } else {
        return "'reassign_after_seconds': 0..86400 (0: never), or null for the server's default";
      }
    } else if (key == "required_tag") {
      if (!v.is_bool()) return "'required_tag': true or false";
      row.required_tag = v.as_bool();
    } else if (key == "waiting_target_seconds") {
      if (!seconds(v, 1, row.waiting_target_seconds)) return "'waiting_target_seconds': 1..86400";
    } else if (key == "idle_prompt_after_seconds") {
      if (!seconds(v, 0, row.idle_prompt_after_seconds)) {
        return "'idle_prompt_after_seconds': 0..86400 (0: off)";
      }
    } else if (key == "idle_close_after_seconds") {
      if (!seconds(v, 0, row.idle_close_after_seconds)) {
        return "'idle_close_after_seconds': 0..86400 (0: never)";
      }
    } else if (key == "auto_away_seconds") {
      if (!seconds(v, 0, row.auto_away_seconds)) return "'auto_away_seconds': 0..86400 (0: never)";
    } else if (key == "max_file_mb") {
      const auto n = v.as_int64();
      if (v.is_null()) {
        row.max_file_mb.reset();
      } else if (v.is_integer() && n && *n >= 0 && *n <= 4096) {
        row.max_file_mb = static_cast<std::int32_t>(*n);
      } else {
        return "'max_file_mb': 0..4096 (0: no files), or null for the server's --max-file-mb";
      }
    } else if (key == "file_types") {
      if (!text(v, 1000, row.file_types) || !core::parse_media_type_list(row.file_types)) {
        return "'file_types': media types such as \"image/*,application/pdf\", or \"\" for the "
               "server's";
      }
    } else if (key == "pre_chat_form") {
      std::string error;
      auto form = core::parse_pre_chat_form(v, &error);
      if (!form) return error;
      row.pre_chat_form = form->empty() ? std::string() : core::form_json(*form);
    } else if (key == "survey") {
      std::string error;
      auto survey = core::parse_survey(v, &error);
      if (!survey) return error;
      row.survey = core::survey_json(*survey);
    } else if (key == "invitation_rules") {
      std::string error;
      auto rules = core::parse_invitation_rules(v, &error);
      if (!rules) return error;
      row.invitation_rules = rules->empty() ? std::string() : core::rules_json(*rules);
    } else if (key != "id") {
      return "unknown field '" + key + "'";
    }
  }
  return std::nullopt;
}

}  // namespace

http_response team_api::departments() const {
  const auto now = wall_clock_ms();
  core::json_writer j;
  j.begin_object().key("departments").begin_array();
  for (const auto& id : ctx_.departments.ids()) {
    if (const auto* d = ctx_.departments.find(id)) department_json(j, *d, now);
  }
  j.end_array().end_object();
  return json_reply(200, j.str());
}

asio::awaitable<http_response> team_api::save_department(const core::agent_claims& who,
                                                         const std::string& id,
                                                         const core::json_value& body) {
  if (!core::is_operator_id(id)) {
    co_return error_reply(400, "invalid", "a department id is 1..32 of a-z 0-9 . _ -");
  }
  record::department_row row;
  row.id = id;
  row.display_name = id;
  if (const auto* known = ctx_.departments.find(id)) row = known->settings;
  if (auto wrong = apply_fields(body, row)) co_return error_reply(400, "invalid", *wrong);
  std::string error;
  if (!department_directory::compile(row, &error)) co_return error_reply(400, "invalid", error);
  row.updated_by = who.agent_id;
  row.updated_ms = wall_clock_ms();
  record_work<std::vector<record::department_row>> write = [row](record::pg_connection& db) {
    return record::in_transaction(db, [&] {
      record::save_department(db, row);
      record::audit(db, row.updated_by, "department.save", row.id, "{}", row.updated_ms);
      return record::list_departments(db);
    });
  };
  std::vector<record::department_row> rows;
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  ctx_.departments.replace(rows);
  core::json_writer j;
  if (const auto* d = ctx_.departments.find(id)) department_json(j, *d, wall_clock_ms());
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> team_api::remove_department(const core::agent_claims& who,
                                                           const std::string& id) {
  if (!ctx_.departments.has(id)) co_return error_reply(404, "not_found", "no such department");
  if (ctx_.departments.ids().size() == 1) {
    co_return error_reply(409, "conflict", "the last department cannot be removed");
  }
  // Its visitors would wait for ever and its chats could not be moved or reported on: they go
  // first (transferred or closed), then the department.
  const std::vector<std::string> only{id};
  const auto waiting = co_await ctx_.reads.waiting(only, 1);
  const auto live = co_await ctx_.reads.live(only);
  if (!waiting.waiting.empty() || !live.empty()) {
    co_return error_reply(409, "conflict",
                          "visitors are waiting or chatting in this department: transfer or "
                          "close those chats first");
  }
  const auto now = wall_clock_ms();
  record_work<std::optional<std::vector<record::department_row>>> write =
      [id, by = who.agent_id, now](record::pg_connection& db) {
        return record::in_transaction(db,
                                      [&]() -> std::optional<std::vector<record::department_row>> {
                                        if (!record::remove_department(db, id, by, now))
                                          return std::nullopt;
                                        record::audit(db, by, "department.remove", id, "{}", now);
                                        return record::list_departments(db);
                                      });
      };
  std::optional<std::vector<record::department_row>> rows;
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  if (!rows) co_return error_reply(404, "not_found", "no such department");
  ctx_.departments.replace(*rows);
  co_return json_reply(200, std::string(R"({"removed":true})"));
}

}  // namespace lc::service
