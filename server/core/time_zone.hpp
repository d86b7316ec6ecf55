#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lc::core {

// A file with more transitions than this is refused: real zones have a few hundred at most, and
// the bound keeps what a damaged or hostile file can make us hold and search small.
inline constexpr std::size_t time_zone_max_transitions = 10000;
inline constexpr std::size_t time_zone_max_name = 64;

// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil). month 1..12 and day 1..31 for a meaningful answer; |year| up to 10^12.
std::int64_t days_from_civil(std::int64_t year, int month, int day);

// Division and remainder rounding toward negative infinity (b > 0): days and weeks before 1970.
std::int64_t floor_div(std::int64_t a, std::int64_t b);
std::int64_t floor_mod(std::int64_t a, std::int64_t b);

// A zone's offset from UTC at any instant, as read from a TZif file (RFC 8536, what
// /usr/share/zoneinfo holds): its list of transitions, then its footer's POSIX TZ rule for the
// instants after the last one. Leap-second records are skipped, since Unix time counts none.
class time_zone {
 public:
  time_zone() = default;  // UTC
  static time_zone utc() { return {}; }
  // Versions 1 to 4, and later ones laid out like them (the 64-bit block is used when present).
  // Nothing for anything malformed: counts the bytes cannot hold, unsorted transitions, more than
  // time_zone_max_transitions, offsets beyond +-26 hours, a footer that is no POSIX TZ string.
  static std::optional<time_zone> from_tzif(std::string_view bytes);

  // Seconds east of UTC at the instant utc_seconds (Unix time).
  std::int32_t offset_at(std::int64_t utc_seconds) const;
  // Local wall-clock seconds (since 1970-01-01T00:00 local) -> UTC seconds. In a gap (clocks
  // jump forward) the first instant after the gap; in an overlap the earlier instant.
  std::int64_t to_utc(std::int64_t local_seconds) const;
  // The first instant after utc_seconds at which the offset changes; nothing when it never
  // changes again. Lets a caller step through local time without missing a DST change.
  std::optional<std::int64_t> next_transition(std::int64_t utc_seconds) const;

 private:
  // One end of the DST period in a POSIX rule: a day of the year in one of the three forms of
  // RFC 8536 section 3.3.1, and the time of day (in the local time before the change) it falls.
  struct rule_day {
    enum class form : std::uint8_t { julian_no_leap, zero_based, month_week_day };
    form kind = form::month_week_day;
    int number = 0;  // Jn (1..365, February 29 never counted) or n (0..365)
    int month = 1;
    int week = 1;              // 5 = the last such weekday of the month
    int weekday = 0;           // 0 = Sunday
    std::int32_t time = 7200;  // seconds, -167h..167h
  };
  // A footer's POSIX TZ string, e.g. "CET-1CEST,M3.5.0,M10.5.0/3", offsets in seconds east.
  struct posix_rule {
    std::int32_t std_offset = 0;
    std::int32_t dst_offset = 0;
    bool has_dst = false;
    rule_day start;
    rule_day end;
  };

  static std::optional<posix_rule> parse_rule(std::string_view text);
  static std::int64_t rule_day_number(std::int64_t year, const rule_day& day);
  // The UTC instant DST starts (dst = true) or ends in `year` under `rule`.
  static std::int64_t rule_instant(const posix_rule& rule, std::int64_t year, bool dst);
  std::int32_t rule_offset_at(std::int64_t utc_seconds) const;
  std::optional<std::int64_t> rule_next_change(std::int64_t utc_seconds) const;

  // Only the transitions that change the offset; offsets_[i] is in effect from transitions_[i].
  std::vector<std::int64_t> transitions_;
  std::vector<std::int32_t> offsets_;
  std::int32_t initial_offset_ = 0;  // before the first transition (the file's time type 0)
  std::optional<posix_rule> rule_;
  // Where rule_ takes over: the file's last transition, kept even when it changed nothing.
  std::int64_t rule_from_ = std::numeric_limits<std::int64_t>::min();
};

// Whether `name` may name a zone file under a zoneinfo directory: 1..time_zone_max_name
// characters, segments of [A-Za-z0-9_+-] separated by single '/' ("Europe/Berlin", "UTC",
// "Etc/GMT+5"), so it can never climb out of the directory ("..", leading '/').
bool is_time_zone_name(std::string_view name);

// Reads <dir>/<name>, name checked with is_time_zone_name first. Nothing when the name is refused
// or the file is missing or malformed, except "UTC" with no file, which is time_zone::utc().
std::optional<time_zone> load_time_zone(std::string_view name,
                                        const std::string& dir = "/usr/share/zoneinfo");

}  // namespace lc::core
