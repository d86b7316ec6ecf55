#include "server/record/reports.hpp"

namespace lc::record {

namespace {

// $1 from, $2 to, $3 department, $4 agent, $5 the caller's departments (NULL: all).
constexpr const char* where_clause =
    " WHERE at_ms BETWEEN $1 AND $2 AND ($3 = '' OR department = $3) AND ($4 = '' OR agent_id = "
    "$4) AND ($5::text[] IS NULL OR department = ANY ($5::text[])) ";

std::vector<std::optional<std::string>> params_of(const report_filter& f) {
  return {std::to_string(f.from_ms), std::to_string(f.to_ms), f.department, f.agent,
          f.all_departments ? std::nullopt : std::optional<std::string>(text_array(f.departments))};
}

}  // namespace

const std::vector<std::string>& report_measures() {
  static const std::vector<std::string> all = {
      "queue_wait", "first_response", "response", "resolution", "rating", "missed", "idle_closed"};
  return all;
}

std::vector<measure_summary> summarize_measures(pg_connection& db, const report_filter& filter,
                                                report_group group, const std::string& time_zone) {
  std::string key;
  switch (group) {
    case report_group::none:
      key = "''";
      break;
    case report_group::agent:
      key = "agent_id";
      break;
    case report_group::department:
      key = "department";
      break;
    case report_group::hour_of_day:
      key = "extract(hour FROM to_timestamp(at_ms / 1000.0) AT TIME ZONE $6)::int::text";
      break;
    case report_group::day_of_week:
      key = "extract(isodow FROM to_timestamp(at_ms / 1000.0) AT TIME ZONE $6)::int::text";
      break;
    case report_group::tag:
      key = "tag";
      break;
  }
  // By tag: every measurement once per tag of its conversation, under the same name, so the
  // filters below read the same columns.
  const std::string source =
      group == report_group::tag
          ? " FROM (SELECT m.*, t.tag FROM measurements m JOIN conversations c ON c.id = "
            "m.conversation_id CROSS JOIN LATERAL unnest(c.tags) AS t(tag)) AS measurements"
          : " FROM measurements";
  // The mean as a float8 sum over the count, as core::summarize computes it.
  const std::string sql = "SELECT " + key +
                          " AS g, measure, count(*), sum(value)::float8 / count(*), "
                          "percentile_disc(0.5) WITHIN GROUP (ORDER BY value), "
                          "percentile_disc(0.9) WITHIN GROUP (ORDER BY value), "
                          "percentile_disc(0.99) WITHIN GROUP (ORDER BY value), max(value)" +
                          source + where_clause + "GROUP BY 1, 2 ORDER BY 1, 2";
  auto params = params_of(filter);
  if (group == report_group::hour_of_day || group == report_group::day_of_week) {
    params.push_back(time_zone);
  }
  auto rows = db.exec(sql, params);
  std::vector<measure_summary> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.push_back({std::string(rows.text(i, 0)), std::string(rows.text(i, 1)),
                   static_cast<std::uint64_t>(rows.integer(i, 2)), rows.number(i, 3),
                   rows.number(i, 4), rows.number(i, 5), rows.number(i, 6), rows.number(i, 7)});
  }
  return out;
}

std::vector<measurement_line> list_measurements(pg_connection& db, const report_filter& filter,
                                                std::size_t limit) {
  auto params = params_of(filter);
  params.push_back(std::to_string(limit));
  auto rows = db.exec(
      std::string("SELECT measure, at_ms, conversation_id, department, agent_id, value FROM "
                  "measurements") +
          where_clause +
          "ORDER BY array_position(ARRAY['queue_wait', 'first_response', 'response', "
          "'resolution', 'rating', 'missed', 'idle_closed'], measure), at_ms, conversation_id, "
          "idx LIMIT $6",
      params);
  std::vector<measurement_line> out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.push_back({std::string(rows.text(i, 0)), rows.integer(i, 1), std::string(rows.text(i, 2)),
                   std::string(rows.text(i, 3)), std::string(rows.text(i, 4)), rows.integer(i, 5)});
  }
  return out;
}

}  // namespace lc::record
