#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// Which response-time records a report covers. Departments: the caller's scope (empty with
// `all_departments` for an admin).
struct report_filter {
  std::int64_t from_ms = 0, to_ms = 0;
  std::string department, agent;  // "" = any
  std::vector<std::string> departments;
  bool all_departments = false;
};

// How a report is broken down.
// tag: one group per tag of the conversations measured (a conversation with two tags counts in
// both; one with none in neither).
enum class report_group { none, agent, department, hour_of_day, day_of_week, tag };

// Count, mean, max and nearest-rank percentiles (percentile_disc: always an observed value, as
// core::summarize computes them) of one measure in one group.
struct measure_summary {
  std::string group;  // "" without a breakdown; agent, department, "0".."23", "1"(Mon).."7"
  std::string measure;
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// `time_zone` (an IANA name, e.g. "Europe/Berlin") places hours and days; PostgreSQL refuses
// names it does not know (pg_error with SQLSTATE 22023).
std::vector<measure_summary> summarize_measures(pg_connection& db, const report_filter& filter,
                                                report_group group,
                                                const std::string& time_zone = "UTC");

// One record, as the CSV export lists them.
struct measurement_line {
  std::string measure;
  std::int64_t at_ms = 0;
  std::string conversation_id, department, agent_id;
  std::int64_t value = 0;
};

// Measures in the report's order, each by time; at most `limit` lines.
std::vector<measurement_line> list_measurements(pg_connection& db, const report_filter& filter,
                                                std::size_t limit);

// The measures a report lists, in order.
const std::vector<std::string>& report_measures();

}  // namespace lc::record
