// The reports of the REST API: /api/stats and its CSV export, from the system of record.
#include <algorithm>
#include <memory>

#include "server/core/csv.hpp"
#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/query.hpp"
#include "server/record/reports.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_api.hpp"
#include "server/service/rest_replies.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
constexpr std::size_t max_csv_lines = 1000000;

bool valid_time_zone(const std::string& tz) {
  if (tz.empty() || tz.size() > 64) return false;
  return std::all_of(tz.begin(), tz.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '_' || ch == '-' ||
           ch == '+';
  });
}

// One group's measures, as the report has always spelled them.
void write_measures(core::json_writer& j, const std::vector<record::measure_summary>& rows,
                    const std::string& group) {
  std::uint64_t conversations = 0, missed = 0, idle_closed = 0;
  j.key("measures").begin_object();
  for (const auto& measure : record::report_measures()) {
    record::measure_summary s;
    for (const auto& r : rows) {
      if (r.group == group && r.measure == measure) s = r;
    }
    if (measure == "resolution") conversations = s.count;
    if (measure == "missed") {
      missed = s.count;
      continue;
    }
    if (measure == "idle_closed") {
      idle_closed = s.count;
      continue;
    }
    const bool is_ms = measure != "rating";
    j.key(measure).begin_object();
    j.key("count").value(s.count);
    j.key(is_ms ? "mean_ms" : "mean").value(s.mean);
    j.key(is_ms ? "p50_ms" : "p50").value(s.p50);
    j.key(is_ms ? "p90_ms" : "p90").value(s.p90);
    j.key(is_ms ? "p99_ms" : "p99").value(s.p99);
    j.key(is_ms ? "max_ms" : "max").value(s.max);
    j.end_object();
  }
  j.end_object();
  j.key("conversations_closed").value(conversations);
  j.key("missed").value(missed);
  j.key("idle_closed").value(idle_closed);
}

}  // namespace

asio::awaitable<http_response> rest_api::stats(const core::agent_claims& who,
                                               const params_map& params, bool csv) {
  auto param = [&](const char* k) {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  };
  for (const auto& [k, v] : params) {
    if (k != "from" && k != "to" && k != "department" && k != "agent" && k != "group" &&
        k != "tz") {
      co_return error_reply(400, "bad_request", "unknown parameter '" + k + "'");
    }
  }
  const auto now = wall_clock_ms();
  record::report_filter f;
  f.to_ms = now;
  f.from_ms = now - day_ms;
  if (!param("to").empty()) {
    auto t = core::parse_time_ms(param("to"));
    if (!t) co_return error_reply(400, "bad_request", "'to' must be unix ms or ISO-8601 UTC");
    f.to_ms = *t;
  }
  if (!param("from").empty()) {
    auto t = core::parse_time_ms(param("from"));
    if (!t) co_return error_reply(400, "bad_request", "'from' must be unix ms or ISO-8601 UTC");
    f.from_ms = *t;
  }
  if (f.from_ms > f.to_ms) co_return error_reply(400, "bad_request", "'from' is after 'to'");
  f.department = param("department");
  f.agent = param("agent");
  if (!f.department.empty() && !core::is_operator_id(f.department)) {
    co_return error_reply(400, "bad_request", "malformed department");
  }
  if (!f.agent.empty() && !core::is_operator_id(f.agent)) {
    co_return error_reply(400, "bad_request", "malformed agent");
  }
  const auto& mine = who.departments;
  if (!f.department.empty() && !who.admin() &&
      std::find(mine.begin(), mine.end(), f.department) == mine.end()) {
    co_return error_reply(403, "forbidden", "not an agent of that department");
  }
  f.all_departments = who.admin();
  f.departments = who.departments;
  const auto group_name = param("group");
  auto group = record::report_group::none;
  if (group_name == "agent") {
    group = record::report_group::agent;
  } else if (group_name == "department") {
    group = record::report_group::department;
  } else if (group_name == "hour") {
    group = record::report_group::hour_of_day;
  } else if (group_name == "weekday") {
    group = record::report_group::day_of_week;
  } else if (group_name == "tag") {
    group = record::report_group::tag;
  } else if (!group_name.empty()) {
    co_return error_reply(400, "bad_request",
                          "'group' must be agent, department, hour, weekday or tag");
  }
  const auto tz = param("tz").empty() ? std::string("UTC") : param("tz");
  if (!valid_time_zone(tz)) co_return error_reply(400, "bad_request", "malformed 'tz'");
  if (ctx_.record == nullptr) co_return rest::no_record_reply();

  if (csv) {
    record_work<std::vector<record::measurement_line>> list = [f](record::pg_connection& db) {
      return record::list_measurements(db, f, max_csv_lines);
    };
    auto lines = co_await on_record(ctx_.io, *ctx_.record, std::move(list));
    std::string out = "measure,at_ms,at,conversation_id,department,agent_id,value\n";
    for (const auto& r : lines) {
      out += r.measure + "," + std::to_string(r.at_ms) + "," + rest::iso_time(r.at_ms) + "," +
             core::csv_cell(r.conversation_id) + "," + core::csv_cell(r.department) + "," +
             core::csv_cell(r.agent_id) + "," + std::to_string(r.value) + "\n";
    }
    http_response r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"livechat-stats.csv\"");
    r.body = std::move(out);
    co_return r;
  }

  record_work<std::vector<record::measure_summary>> summarize = [f](record::pg_connection& db) {
    return record::summarize_measures(db, f, record::report_group::none);
  };
  auto totals = co_await on_record(ctx_.io, *ctx_.record, std::move(summarize));
  std::vector<record::measure_summary> grouped;
  if (group != record::report_group::none) {
    record_work<std::vector<record::measure_summary>> breakdown = [f, group,
                                                                   tz](record::pg_connection& db) {
      return record::summarize_measures(db, f, group, tz);
    };
    grouped = co_await on_record(ctx_.io, *ctx_.record, std::move(breakdown));
  }
  core::json_writer j;
  j.begin_object();
  j.key("from_ms").value(f.from_ms);
  j.key("to_ms").value(f.to_ms);
  j.key("department").value(f.department);
  j.key("agent").value(f.agent);
  write_measures(j, totals, "");
  if (group != record::report_group::none) {
    j.key("group").value(group_name);
    j.key("time_zone").value(tz);
    j.key("groups").begin_array();
    std::vector<std::string> keys;
    for (const auto& r : grouped) {
      if (std::find(keys.begin(), keys.end(), r.group) == keys.end()) keys.push_back(r.group);
    }
    if (group == record::report_group::hour_of_day || group == record::report_group::day_of_week) {
      std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;  // "2" before "10"
      });
    }
    for (const auto& key : keys) {
      j.begin_object();
      j.key("key").value(key);
      write_measures(j, grouped, key);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
  co_return json_reply(200, j.str());
}

}  // namespace lc::service
