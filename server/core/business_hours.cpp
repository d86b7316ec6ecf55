#include "server/core/business_hours.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

namespace lc::core {

namespace {

constexpr int minutes_per_day = 24 * 60;
constexpr std::int64_t ms_per_minute = 60'000;
constexpr std::int64_t ms_per_day = 86'400'000;
constexpr std::int64_t horizon_ms = 400 * ms_per_day;
// Each step of a search lands on the next interval boundary, midnight or offset change; in 400
// days there are at most about 57 * 2 * max_week_intervals + 400 + a zone's transitions, far
// fewer than this, which only guards against a mistake.
constexpr int max_steps = 200'000;
// Echoes of what the admin typed are cut to this many bytes in an error.
constexpr std::size_t max_echo = 60;

constexpr std::array<std::string_view, 7> day_names{"mon", "tue", "wed", "thu",
                                                    "fri", "sat", "sun"};
constexpr std::array<std::string_view, 12> month_names{
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// 0 = Monday.
int weekday_of(std::int64_t day_number) {
  return static_cast<int>(floor_mod(day_number + 3, 7));
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// What the admin typed, safe to put in a message: bytes outside printable ASCII become '?',
// and a long text is cut.
std::string echo(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, max_echo)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > max_echo) out += "...";
  return out;
}

int days_in_month(int year, int month) {
  const int next_year = month == 12 ? year + 1 : year;
  const int next_month = month == 12 ? 1 : month + 1;
  return static_cast<int>(days_from_civil(next_year, next_month, 1) -
                          days_from_civil(year, month, 1));
}

bool valid_day(const civil_day& d) {
  return d.year >= 0 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month);
}

std::string two_digits(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

std::string format_time(int minute_of_day) {
  return two_digits(minute_of_day / 60) + ":" + two_digits(minute_of_day % 60);
}

// Sorted, merged (touching ones too, so one week has one form), clipped to the week; empty or
// inverted intervals dropped.
std::vector<week_interval> canonical(std::vector<week_interval> intervals) {
  std::erase_if(intervals, [](week_interval& i) {
    i.begin = std::clamp(i.begin, 0, minutes_per_week);
    i.end = std::clamp(i.end, 0, minutes_per_week);
    return i.begin >= i.end;
  });
  std::sort(intervals.begin(), intervals.end(),
            [](const week_interval& a, const week_interval& b) { return a.begin < b.begin; });
  std::vector<week_interval> merged;
  for (const auto& i : intervals) {
    if (!merged.empty() && i.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, i.end);
    } else {
      merged.push_back(i);
    }
  }
  return merged;
}

// The tokens of one rule: day names, times, '-' and ','.
struct rule_token {
  enum class kind : std::uint8_t { word, time, dash, comma };
  kind type = kind::word;
  std::string_view text;
};

// Splits a rule into tokens; an error names the first character that fits none.
bool tokenize(std::string_view rule, std::vector<rule_token>& out, std::string& error) {
  std::size_t i = 0;
  while (i < rule.size()) {
    const char c = rule[i];
    if (is_blank(c)) {
      ++i;
    } else if (c == '-' || c == ',') {
      out.push_back(
          {c == '-' ? rule_token::kind::dash : rule_token::kind::comma, rule.substr(i, 1)});
      ++i;
    } else if (is_letter(c) || is_digit(c)) {
      const bool word = is_letter(c);
      const std::size_t start = i;
      while (i < rule.size() &&
             (word ? is_letter(rule[i]) : (is_digit(rule[i]) || rule[i] == ':'))) {
        ++i;
      }
      out.push_back(
          {word ? rule_token::kind::word : rule_token::kind::time, rule.substr(start, i - start)});
    } else {
      error = (c >= 0x20 && c < 0x7f) ? "unexpected character '" + std::string(1, c) + "'"
                                      : "unexpected byte (not a letter, digit, ':', '-' or ',')";
      return false;
    }
  }
  return true;
}

std::optional<int> day_index(std::string_view word) {
  if (word.size() != 3) return std::nullopt;
  for (std::size_t d = 0; d < day_names.size(); ++d) {
    const auto name = day_names[d];
    if (lower(word[0]) == name[0] && lower(word[1]) == name[1] && lower(word[2]) == name[2]) {
      return static_cast<int>(d);
    }
  }
  return std::nullopt;
}

// "HH:MM" (or "H:MM") as minutes of the day, 24:00 = 1440 allowed only as an end.
std::optional<int> parse_time(std::string_view text, bool is_end, std::string& error) {
  const std::size_t colon = text.find(':');
  const std::string_view h = text.substr(0, colon);
  const std::string_view m = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (colon == std::string_view::npos || h.empty() || h.size() > 2 || m.size() != 2 ||
      m.find(':') != std::string_view::npos) {
    error = "'" + echo(text) + "' is not a time (write HH:MM, e.g. 09:00)";
    return std::nullopt;
  }
  const int hours = h.size() == 1 ? h[0] - '0' : (h[0] - '0') * 10 + (h[1] - '0');
  const int minutes = (m[0] - '0') * 10 + (m[1] - '0');
  if (hours > 24) {
    error = "hour must be 00..24";
    return std::nullopt;
  }
  if (minutes > 59) {
    error = "minute must be 00..59";
    return std::nullopt;
  }
  if (hours == 24 && minutes != 0) {
    error = "'" + echo(text) + "' is past 24:00, the end of the day";
    return std::nullopt;
  }
  if (hours == 24 && !is_end) {
    error = "24:00 can only end an interval (an interval from midnight starts at 00:00)";
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

// One rule's days and intervals, as week intervals appended to `out`.
bool parse_rule(std::string_view rule, std::vector<week_interval>& out, std::string& error) {
  std::vector<rule_token> tokens;
  if (!tokenize(rule, tokens, error)) return false;
  using kind = rule_token::kind;
  std::size_t i = 0;
  const auto is = [&](std::size_t at, kind k) {
    return at < tokens.size() && tokens[at].type == k;
  };

  // Days: an item is a day or a range of days; items are joined by ','.
  std::array<bool, 7> days{};
  if (!is(0, kind::word)) {
    error = "no days before the hours (write e.g. 'mon-fri 09:00-17:00')";
    return false;
  }
  while (true) {
    const auto first = day_index(tokens[i].text);
    if (!first) {
      error = "unknown day '" + echo(tokens[i].text) + "' (days are mon tue wed thu fri sat sun)";
      return false;
    }
    int last = *first;
    ++i;
    if (is(i, kind::dash)) {
      if (!is(i + 1, kind::word)) {
        error = "a range of days needs a day after '-' (e.g. mon-fri)";
        return false;
      }
      const auto to = day_index(tokens[i + 1].text);
      if (!to) {
        error =
            "unknown day '" + echo(tokens[i + 1].text) + "' (days are mon tue wed thu fri sat sun)";
        return false;
      }
      last = *to;
      i += 2;
    }
    // A range may wrap past Sunday: fri-mon is fri sat sun mon.
    for (int d = *first;; d = (d + 1) % 7) {
      days[static_cast<std::size_t>(d)] = true;
      if (d == last) break;
    }
    if (!is(i, kind::comma) || !is(i + 1, kind::word)) break;
    ++i;
  }
  if (i == tokens.size()) {
    error = "no hours after the days (write e.g. 'mon-fri 09:00-17:00')";
    return false;
  }
  if (is(i, kind::comma)) ++i;  // "mon, 09:00-17:00": a stray comma between days and hours

  // Intervals: "HH:MM-HH:MM" joined by ','.
  while (true) {
    if (!is(i, kind::time)) {
      error = i < tokens.size() ? "expected a time like 09:00, found '" + echo(tokens[i].text) + "'"
                                : "expected a time like 09:00 at the end";
      return false;
    }
    const std::string_view from_text = tokens[i].text;
    if (!is(i + 1, kind::dash) || !is(i + 2, kind::time)) {
      error =
          "'" + echo(from_text) + "' needs an end time (write e.g. " + echo(from_text) + "-17:00)";
      return false;
    }
    const auto from = parse_time(from_text, false, error);
    if (!from) return false;
    const auto to = parse_time(tokens[i + 2].text, true, error);
    if (!to) return false;
    if (*from == *to) {
      error = "the interval " + format_time(*from) + "-" + echo(tokens[i + 2].text) +
              " is empty (start and end are the same)";
      return false;
    }
    for (int d = 0; d < 7; ++d) {
      if (!days[static_cast<std::size_t>(d)]) continue;
      const int begin = d * minutes_per_day + *from;
      // An end before the start is on the next day; past Sunday it wraps to Monday.
      const int end = d * minutes_per_day + *to + (*to < *from ? minutes_per_day : 0);
      if (end <= minutes_per_week) {
        out.push_back({begin, end});
      } else {
        out.push_back({begin, minutes_per_week});
        out.push_back({0, end - minutes_per_week});
      }
    }
    i += 3;
    if (i == tokens.size()) return true;
    if (!is(i, kind::comma)) {
      error = "unexpected '" + echo(tokens[i].text) +
              "' after an interval (separate intervals with ',' and rules with ';')";
      return false;
    }
    ++i;
  }
}

// "mon", "mon-fri", "mon,wed-fri": runs of two or more days become ranges.
std::string format_days(const std::array<bool, 7>& days) {
  std::string out;
  for (int d = 0; d < 7;) {
    if (!days[static_cast<std::size_t>(d)]) {
      ++d;
      continue;
    }
    int last = d;
    while (last + 1 < 7 && days[static_cast<std::size_t>(last) + 1]) ++last;
    if (!out.empty()) out += ',';
    out += day_names[static_cast<std::size_t>(d)];
    if (last > d) {
      out += '-';
      out += day_names[static_cast<std::size_t>(last)];
    }
    d = last + 1;
  }
  return out;
}

}  // namespace

std::optional<weekly_schedule> parse_schedule(std::string_view text, std::string* error) {
  std::string why;
  const auto fail = [&](std::string message) -> std::optional<weekly_schedule> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  if (text.size() > max_schedule_bytes) {
    return fail("the schedule is too long (" + std::to_string(text.size()) +
                " characters; at most " + std::to_string(max_schedule_bytes) + ")");
  }
  std::vector<week_interval> intervals;
  std::size_t number = 0;
  std::string_view rest = text;
  // Each pass takes one rule; the text is bounded, and every pass consumes at least a ';'.
  while (true) {
    const std::size_t semi = rest.find(';');
    const std::string_view rule = trim(rest.substr(0, semi));
    const bool last = semi == std::string_view::npos;
    ++number;
    if (rule.empty()) {
      // A blank text is always open; a ';' at the very end is forgiven.
      if (!last) return fail("rule " + std::to_string(number) + " is empty (two ';' in a row?)");
      break;
    }
    if (!parse_rule(rule, intervals, why)) {
      return fail("rule " + std::to_string(number) + ": '" + echo(rule) + "': " + why);
    }
    if (last) break;
    rest.remove_prefix(semi + 1);
  }
  weekly_schedule schedule{canonical(std::move(intervals))};
  if (schedule.intervals.size() > max_week_intervals) {
    return fail("too many separate intervals in the week (" +
                std::to_string(schedule.intervals.size()) + "; at most " +
                std::to_string(max_week_intervals) + ")");
  }
  return schedule;
}

std::string format_schedule(const weekly_schedule& schedule) {
  std::vector<week_interval> week = canonical(schedule.intervals);
  if (week.empty()) return "";
  // Stretches of open time on the circular week: the pieces either side of Sunday midnight
  // are one stretch again (its end then lies past minutes_per_week).
  if (week.size() >= 2 && week.front().begin == 0 && week.back().end == minutes_per_week) {
    week.back().end = minutes_per_week + week.front().end;
    week.erase(week.begin());
  }
  // Each stretch as per-day intervals: cut at every midnight except that a last piece shorter
  // than a day stays whole ("fri 22:00-02:00"), the end then before the start.
  std::array<std::vector<std::pair<int, int>>, 7> by_day;
  for (const auto& stretch : week) {
    int begin = stretch.begin;
    while (begin < stretch.end) {
      const int day_start = begin / minutes_per_day * minutes_per_day;
      auto& pieces = by_day[static_cast<std::size_t>((begin / minutes_per_day) % 7)];
      if (stretch.end <= day_start + minutes_per_day) {
        pieces.emplace_back(begin - day_start, stretch.end - day_start);
        break;
      }
      if (stretch.end - begin < minutes_per_day) {
        pieces.emplace_back(begin - day_start, stretch.end - day_start - minutes_per_day);
        break;
      }
      pieces.emplace_back(begin - day_start, minutes_per_day);
      begin = day_start + minutes_per_day;
    }
  }
  // Days with the same intervals share one rule, rules ordered by their first day.
  std::vector<std::pair<std::vector<std::pair<int, int>>, std::array<bool, 7>>> rules;
  for (std::size_t d = 0; d < 7; ++d) {
    auto& pieces = by_day[d];
    if (pieces.empty()) continue;
    std::sort(pieces.begin(), pieces.end());
    auto same = std::find_if(rules.begin(), rules.end(),
                             [&](const auto& rule) { return rule.first == pieces; });
    if (same == rules.end()) {
      rules.emplace_back(pieces, std::array<bool, 7>{});
      same = rules.end() - 1;
    }
    same->second[d] = true;
  }
  std::string out;
  for (const auto& [pieces, days] : rules) {
    if (!out.empty()) out += "; ";
    out += format_days(days);
    out += ' ';
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      if (k > 0) out += ',';
      out += format_time(pieces[k].first) + "-" + format_time(pieces[k].second);
    }
  }
  return out;
}

std::optional<std::vector<civil_day>> parse_holidays(std::string_view text, std::string* error) {
  const auto fail = [&](std::string message) -> std::optional<std::vector<civil_day>> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  if (text.size() > max_holiday_bytes) {
    return fail("the holiday list is too long (" + std::to_string(text.size()) +
                " characters; at most " + std::to_string(max_holiday_bytes) + ")");
  }
  std::vector<civil_day> days;
  std::size_t i = 0;
  std::size_t number = 0;
  while (i < text.size()) {
    if (is_blank(text[i]) || text[i] == ',') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && !is_blank(text[i]) && text[i] != ',') ++i;
    const std::string_view item = text.substr(start, i - start);
    ++number;
    const std::string where = "holiday " + std::to_string(number) + ": '" + echo(item) + "': ";
    if (number > max_holidays) {
      return fail("more than " + std::to_string(max_holidays) + " holidays");
    }
    const bool shaped = item.size() == 10 && item[4] == '-' && item[7] == '-' &&
                        std::all_of(item.begin(), item.begin() + 4, is_digit) &&
                        is_digit(item[5]) && is_digit(item[6]) && is_digit(item[8]) &&
                        is_digit(item[9]);
    if (!shaped) return fail(where + "not a date (write YYYY-MM-DD, e.g. 2026-12-25)");
    civil_day d;
    d.year =
        (item[0] - '0') * 1000 + (item[1] - '0') * 100 + (item[2] - '0') * 10 + (item[3] - '0');
    d.month = (item[5] - '0') * 10 + (item[6] - '0');
    d.day = (item[8] - '0') * 10 + (item[9] - '0');
    if (d.month < 1 || d.month > 12) return fail(where + "month must be 01..12");
    const int length = days_in_month(d.year, d.month);
    if (d.day < 1 || d.day > length) {
      return fail(where + "day must be 01.." + std::to_string(length) + " in " +
                  std::string(month_names[static_cast<std::size_t>(d.month - 1)]) + " " +
                  std::to_string(d.year));
    }
    days.push_back(d);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

std::string format_holidays(const std::vector<civil_day>& holidays) {
  std::vector<civil_day> days;
  std::copy_if(holidays.begin(), holidays.end(), std::back_inserter(days), valid_day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  std::string out;
  for (const auto& d : days) {
    if (!out.empty()) out += ", ";
    out += two_digits(d.year / 100) + two_digits(d.year % 100) + "-" + two_digits(d.month) + "-" +
           two_digits(d.day);
  }
  return out;
}

business_hours::business_hours(weekly_schedule schedule, const std::vector<civil_day>& holidays,
                               time_zone zone)
    : schedule_{canonical(std::move(schedule.intervals))}, zone_(std::move(zone)) {
  for (const auto& i : schedule_.intervals) {
    boundaries_.push_back(i.begin);
    boundaries_.push_back(i.end);
  }
  // Canonical intervals neither overlap nor touch, so the boundaries are already sorted.
  for (const auto& d : holidays) {
    if (valid_day(d)) holidays_.push_back(days_from_civil(d.year, d.month, d.day));
  }
  std::sort(holidays_.begin(), holidays_.end());
  holidays_.erase(std::unique(holidays_.begin(), holidays_.end()), holidays_.end());
}

bool business_hours::is_holiday(std::int64_t local_day) const {
  return std::binary_search(holidays_.begin(), holidays_.end(), local_day);
}

bool business_hours::open_at(std::int64_t utc_ms) const {
  const std::int64_t t = std::clamp(utc_ms, -business_hours_max_ms, business_hours_max_ms);
  const std::int64_t local = t + std::int64_t{zone_.offset_at(floor_div(t, 1000))} * 1000;
  const std::int64_t day = floor_div(local, ms_per_day);
  if (is_holiday(day)) return false;
  if (schedule_.intervals.empty()) return true;
  const auto minute = static_cast<int>(std::int64_t{weekday_of(day)} * minutes_per_day +
                                       (local - day * ms_per_day) / ms_per_minute);
  const auto& week = schedule_.intervals;
  // The last interval beginning at or before `minute`.
  auto it = std::upper_bound(week.begin(), week.end(), minute,
                             [](int m, const week_interval& i) { return m < i.begin; });
  if (it == week.begin()) return false;
  --it;
  return minute < it->end;
}

std::int64_t business_hours::next_change(std::int64_t utc_ms) const {
  const std::int64_t seconds = floor_div(utc_ms, 1000);
  const std::int64_t local = utc_ms + std::int64_t{zone_.offset_at(seconds)} * 1000;
  const std::int64_t day = floor_div(local, ms_per_day);
  std::int64_t event = (day + 1) * ms_per_day;  // the next local midnight
  if (!boundaries_.empty() && !is_holiday(day)) {
    const std::int64_t week_start = (day - weekday_of(day)) * ms_per_day;
    const std::int64_t into = local - week_start;
    const auto it = std::upper_bound(
        boundaries_.begin(), boundaries_.end(), into,
        [](std::int64_t ms, int boundary) { return ms < boundary * ms_per_minute; });
    const std::int64_t minute =
        it != boundaries_.end() ? *it : std::int64_t{minutes_per_week} + boundaries_.front();
    event = std::min(event, week_start + minute * ms_per_minute);
  }
  // Until the offset next changes, local time runs with UTC, so the local event maps back by
  // the same distance; a change of offset comes first if it is sooner (it can jump into or out
  // of an interval, or over midnight).
  std::int64_t next = utc_ms + (event - local);
  const auto transition = zone_.next_transition(seconds);
  if (transition && *transition < floor_div(next, 1000) + 1) {
    next = std::min(next, *transition * 1000);
  }
  return next;
}

std::optional<std::int64_t> business_hours::next_opening(std::int64_t utc_ms) const {
  if (utc_ms < -business_hours_max_ms || utc_ms > business_hours_max_ms) return std::nullopt;
  if (schedule_.intervals.empty() && holidays_.empty()) return utc_ms;
  const std::int64_t limit = utc_ms + horizon_ms;
  std::int64_t t = utc_ms;
  for (int step = 0; step < max_steps && t <= limit; ++step) {
    if (open_at(t)) return t;
    t = next_change(t);
  }
  return std::nullopt;
}

std::optional<std::int64_t> business_hours::closes_at(std::int64_t utc_ms) const {
  if (utc_ms < -business_hours_max_ms || utc_ms > business_hours_max_ms) return std::nullopt;
  if (!open_at(utc_ms) || (schedule_.intervals.empty() && holidays_.empty())) return std::nullopt;
  const std::int64_t limit = utc_ms + horizon_ms;
  std::int64_t t = utc_ms;
  for (int step = 0; step < max_steps; ++step) {
    t = next_change(t);
    if (t > limit) return std::nullopt;
    if (!open_at(t)) return t;
  }
  return std::nullopt;
}

}  // namespace lc::core
