#include "server/core/query.hpp"

#include <cstdint>

namespace lc::core {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' means space only in the query (form encoding), never in the path.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Fixed-width decimal field; nothing unless every character is a digit.
std::optional<int> digits_at(std::string_view s, std::size_t pos, std::size_t len) {
  if (pos + len > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar,
// independent of the process time zone and locale.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

std::optional<std::int64_t> parse_iso8601(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return std::nullopt;
  }
  const auto year = digits_at(s, 0, 4);
  const auto month = digits_at(s, 5, 2);
  const auto day = digits_at(s, 8, 2);
  const auto hour = digits_at(s, 11, 2);
  const auto minute = digits_at(s, 14, 2);
  const auto second = digits_at(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  std::int64_t millis = 0;
  const std::string_view rest = s.substr(19, s.size() - 20);
  if (!rest.empty()) {
    // A fraction of 1..9 digits; anything past milliseconds is truncated.
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 10 || !all_digits(rest.substr(1))) {
      return std::nullopt;
    }
    const std::string_view frac = rest.substr(1);
    for (std::size_t i = 0; i < 3; ++i) {
      millis = millis * 10 + (i < frac.size() ? frac[i] - '0' : 0);
    }
  }
  const std::int64_t days =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  const std::int64_t secs =
      days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
  return secs * 1000 + millis;
}

}  // namespace

std::optional<request_target> parse_target(std::string_view target) {
  if (target.empty() || target[0] != '/') return std::nullopt;
  // A fragment is never sent by clients, but never let it leak into the path or a parameter.
  target = target.substr(0, target.find('#'));
  request_target out;
  const auto qpos = target.find('?');
  auto path = percent_decode(target.substr(0, qpos), false);
  if (!path) return std::nullopt;
  out.path = std::move(*path);
  if (qpos == std::string_view::npos) return out;
  std::string_view query = target.substr(qpos + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>(std::string{})
                                              : percent_decode(pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.params[std::move(*name)] = std::move(*value);
  }
  return out;
}

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 18 || !all_digits(text)) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  if (v == 0 || v > max) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
  if (all_digits(text)) {
    // 18 digits always fit in int64; longer is not a plausible time anyway.
    if (text.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    return v;
  }
  return parse_iso8601(text);
}

}  // namespace lc::core
