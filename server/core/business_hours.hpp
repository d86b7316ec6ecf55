#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/time_zone.hpp"

namespace lc::core {

inline constexpr int minutes_per_week = 7 * 24 * 60;
// Bounds on what an admin may type, so parsing and every later search stay small.
inline constexpr std::size_t max_schedule_bytes = 4096;
inline constexpr std::size_t max_week_intervals = 200;  // after merging
inline constexpr std::size_t max_holiday_bytes = 8192;
inline constexpr std::size_t max_holidays = 366;
// Instants are clamped to the range of a JavaScript Date (+-8.64e15 ms); next_opening and
// closes_at answer nothing beyond it.
inline constexpr std::int64_t business_hours_max_ms = 8'640'000'000'000'000;

// One stretch of the week when a department is open, in local minutes from Monday 00:00:
// [begin, end).
struct week_interval {
  int begin = 0;
  int end = 0;
  bool operator==(const week_interval&) const = default;
};

// A department's opening hours over one week in local wall-clock time. Canonical: sorted,
// neither overlapping nor touching, each within [0, minutes_per_week] (a stretch running past
// Sunday midnight is kept as two). No intervals = always open.
struct weekly_schedule {
  std::vector<week_interval> intervals;
  bool operator==(const weekly_schedule&) const = default;
};

// A calendar date (proleptic Gregorian), as a holiday is written.
struct civil_day {
  int year = 1970;
  int month = 1;
  int day = 1;
  bool operator==(const civil_day&) const = default;
  // Calendar order (a defaulted <=> trips clang-tidy's modernize-use-nullptr).
  bool operator<(const civil_day& other) const {
    if (year != other.year) return year < other.year;
    if (month != other.month) return month < other.month;
    return day < other.day;
  }
};

// The text an admin types and PostgreSQL stores: "" (or blanks) = always open; otherwise
// ';'-separated rules "<days> <interval>[,<interval>...]", days "mon".."sun", ranges "mon-fri"
// (wrapping "fri-mon" too) and comma lists "mon,wed-fri"; intervals "HH:MM-HH:MM", 24:00 allowed
// as an end, an end before the start running past midnight ("fri 22:00-02:00").
// Case-insensitive, blanks allowed around separators, overlapping intervals merged. Nothing
// when malformed, with what is wrong and where in `error`, fit to show the admin verbatim
// ("rule 2: 'sat 25:00-14:00': hour must be 00..24").
std::optional<weekly_schedule> parse_schedule(std::string_view text, std::string* error = nullptr);
// The canonical text: parse_schedule(format_schedule(s)) == s for every canonical s (a
// non-canonical one is canonicalised first), e.g. "mon-fri 08:30-12:00,13:00-17:30; sat
// 10:00-14:00".
std::string format_schedule(const weekly_schedule& schedule);

// ISO dates "2026-12-25" separated by commas and/or blanks, at most max_holidays; sorted and
// without repeats. Nothing when malformed, with the reason in `error`.
std::optional<std::vector<civil_day>> parse_holidays(std::string_view text,
                                                     std::string* error = nullptr);
// "2026-12-25, 2026-12-26": sorted, repeats and impossible dates left out.
std::string format_holidays(const std::vector<civil_day>& holidays);

// A department's opening hours: the weekly schedule in its zone's local time, closed all day
// (local 00:00 to 24:00, whatever the schedule says) on each holiday. Instants are UTC ms.
class business_hours {
 public:
  business_hours() = default;  // always open, UTC
  // A schedule built by hand is canonicalised; impossible holiday dates are ignored.
  business_hours(weekly_schedule schedule, const std::vector<civil_day>& holidays, time_zone zone);

  // No schedule (holidays alone still close whole days).
  bool always_open() const { return schedule_.intervals.empty(); }
  const weekly_schedule& schedule() const { return schedule_; }
  bool open_at(std::int64_t utc_ms) const;
  // The first instant >= utc_ms at which it is open (utc_ms itself when open now); nothing
  // when it does not open within 400 days. Exact across DST changes and holidays.
  std::optional<std::int64_t> next_opening(std::int64_t utc_ms) const;
  // When the open period containing utc_ms ends: the first later instant at which it is
  // closed. Nothing when closed now, or when it stays open for 400 days (always open).
  std::optional<std::int64_t> closes_at(std::int64_t utc_ms) const;

 private:
  bool is_holiday(std::int64_t local_day) const;
  // The next instant after utc_ms at which open_at may change: an interval's begin or end, a
  // local midnight, or a change of the zone's offset.
  std::int64_t next_change(std::int64_t utc_ms) const;

  weekly_schedule schedule_;
  std::vector<int> boundaries_;         // every begin and end of schedule_, sorted, in week minutes
  std::vector<std::int64_t> holidays_;  // local day numbers (days since 1970-01-01), sorted
  time_zone zone_;
};

}  // namespace lc::core
