#include "server/core/time_zone.hpp"

#include <algorithm>
#include <array>
#include <fstream>

namespace lc::core {

namespace {

constexpr std::int64_t seconds_per_day = 86400;
// The footer rule is evaluated for instants clamped to +-10^14 s (about three million years), so
// its calendar arithmetic cannot overflow whatever instant a caller passes.
constexpr std::int64_t rule_horizon = 100'000'000'000'000;
// to_utc clamps too, so local seconds minus an offset can never overflow.
constexpr std::int64_t local_limit = std::int64_t{1} << 60;
// RFC 8536 section 3.2: utoff in -89999..93599 (just under -25 and +26 hours).
constexpr std::int32_t min_utoff = -89999;
constexpr std::int32_t max_utoff = 93599;
constexpr std::size_t tzif_header_bytes = 44;
// Real zone files are a few KB; a larger one is not a zone file.
constexpr std::size_t max_file_bytes = std::size_t{256} * 1024;

bool is_leap(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// The year of day number `z` (days since 1970-01-01): Hinnant's civil_from_days, year only.
std::int64_t year_of_day(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

// Big-endian fields of a TZif file; every read is checked against what is left.
class byte_reader {
 public:
  explicit byte_reader(std::string_view bytes) : bytes_(bytes) {}

  bool has(std::uint64_t n) const { return n <= bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  // The callers check has() first; a short read yields zeros rather than reading past the end.
  std::uint64_t read(std::size_t n) {
    if (!has(n)) {
      pos_ = bytes_.size();
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
    pos_ += n;
    return v;
  }
  std::string_view take(std::size_t n) {
    const std::size_t k = std::min(n, bytes_.size() - pos_);
    const std::string_view out = bytes_.substr(pos_, k);
    pos_ += k;
    return out;
  }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// The counts of one TZif header (RFC 8536 section 3.1).
struct tzif_header {
  unsigned char version = 0;
  std::uint32_t isutcnt = 0;
  std::uint32_t isstdcnt = 0;
  std::uint32_t leapcnt = 0;
  std::uint32_t timecnt = 0;
  std::uint32_t typecnt = 0;
  std::uint32_t charcnt = 0;
};

std::optional<tzif_header> read_header(byte_reader& r) {
  if (!r.has(tzif_header_bytes) || r.take(4) != "TZif") return std::nullopt;
  tzif_header h;
  h.version = static_cast<unsigned char>(r.read(1));
  r.take(15);
  h.isutcnt = static_cast<std::uint32_t>(r.read(4));
  h.isstdcnt = static_cast<std::uint32_t>(r.read(4));
  h.leapcnt = static_cast<std::uint32_t>(r.read(4));
  h.timecnt = static_cast<std::uint32_t>(r.read(4));
  h.typecnt = static_cast<std::uint32_t>(r.read(4));
  h.charcnt = static_cast<std::uint32_t>(r.read(4));
  return h;
}

// Bytes of the data block after `h` with `time_bytes`-byte times (4 in v1, 8 in v2+). The
// counts are 32-bit, so the sum fits in 64 bits and is compared with what is left before use.
std::uint64_t data_bytes(const tzif_header& h, std::uint64_t time_bytes) {
  return std::uint64_t{h.timecnt} * (time_bytes + 1) + std::uint64_t{h.typecnt} * 6 + h.charcnt +
         std::uint64_t{h.leapcnt} * (time_bytes + 4) + h.isstdcnt + h.isutcnt;
}

// Transition times and the offset after each, plus time type 0's offset, from one data block.
struct tzif_data {
  std::vector<std::int64_t> times;
  std::vector<std::int32_t> offsets;
  std::int32_t initial = 0;
};

std::optional<tzif_data> read_data(byte_reader& r, const tzif_header& h, std::size_t time_bytes) {
  // RFC 8536 section 3.1: at least one type, at least one designation byte, the indicator
  // arrays either absent or one entry per type; a type index is one byte.
  if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 ||
      (h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
      h.timecnt > time_zone_max_transitions || !r.has(data_bytes(h, time_bytes))) {
    return std::nullopt;
  }
  tzif_data d;
  d.times.reserve(h.timecnt);
  for (std::uint32_t i = 0; i < h.timecnt; ++i) {
    const std::uint64_t raw = r.read(time_bytes);
    const std::int64_t t = time_bytes == 8 ? static_cast<std::int64_t>(raw)
                                           : std::int64_t{static_cast<std::int32_t>(raw)};
    if (!d.times.empty() && t <= d.times.back()) return std::nullopt;
    d.times.push_back(t);
  }
  std::vector<std::uint8_t> index(h.timecnt);
  for (auto& i : index) {
    i = static_cast<std::uint8_t>(r.read(1));
    if (i >= h.typecnt) return std::nullopt;
  }
  std::vector<std::int32_t> utoff(h.typecnt);
  for (auto& off : utoff) {
    off = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.read(4)));
    const auto isdst = r.read(1);
    const auto desigidx = r.read(1);
    if (off < min_utoff || off > max_utoff || isdst > 1 || desigidx >= h.charcnt) {
      return std::nullopt;
    }
  }
  // Designations, leap seconds and the standard/UT indicators change no offset.
  r.take(h.charcnt);
  r.take(static_cast<std::size_t>(std::uint64_t{h.leapcnt} * (time_bytes + 4)));
  r.take(h.isstdcnt);
  r.take(h.isutcnt);
  d.initial = utoff[0];
  d.offsets.reserve(h.timecnt);
  for (const auto i : index) d.offsets.push_back(utoff[i]);
  return d;
}

// Reads a POSIX TZ string left to right.
class tz_cursor {
 public:
  explicit tz_cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }
  void advance() { ++pos_; }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A zone abbreviation: three or more letters, or "<...>" holding three or more of
// [A-Za-z0-9+-] (for names such as "<+0330>").
bool parse_name(tz_cursor& c) {
  const std::size_t start = c.pos();
  if (c.eat('<')) {
    while (!c.done() && c.peek() != '>') {
      const char ch = c.peek();
      if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-') return false;
      c.advance();
    }
    const std::size_t length = c.pos() - start - 1;
    return c.eat('>') && length >= 3;
  }
  while (is_alpha(c.peek())) c.advance();
  return c.pos() - start >= 3;
}

// An unsigned number of 1..max_digits digits.
std::optional<int> parse_number(tz_cursor& c, int max_digits) {
  int value = 0;
  int digits = 0;
  while (is_digit(c.peek())) {
    if (++digits > max_digits) return std::nullopt;
    value = value * 10 + (c.peek() - '0');
    c.advance();
  }
  if (digits == 0) return std::nullopt;
  return value;
}

// [+-]hh[:mm[:ss]] in seconds, hours at most max_hours.
std::optional<std::int32_t> parse_hms(tz_cursor& c, int max_hours) {
  int sign = 1;
  if (c.eat('-')) {
    sign = -1;
  } else {
    c.eat('+');
  }
  const auto hours = parse_number(c, 3);
  if (!hours || *hours > max_hours) return std::nullopt;
  std::int32_t seconds = *hours * 3600;
  if (c.eat(':')) {
    const auto minutes = parse_number(c, 2);
    if (!minutes || *minutes > 59) return std::nullopt;
    seconds += *minutes * 60;
    if (c.eat(':')) {
      const auto secs = parse_number(c, 2);
      if (!secs || *secs > 59) return std::nullopt;
      seconds += *secs;
    }
  }
  return sign * seconds;
}

}  // namespace

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  return a - floor_div(a, b) * b;
}

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year = std::clamp<std::int64_t>(year, -1'000'000'000'000, 1'000'000'000'000);
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = month > 2 ? month - 3 : month + 9;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<time_zone::posix_rule> time_zone::parse_rule(std::string_view text) {
  tz_cursor c(text);
  posix_rule rule;
  // A footer always names the standard offset (RFC 8536 section 3.3); POSIX hours are 0..24.
  if (!parse_name(c)) return std::nullopt;
  const auto std_west = parse_hms(c, 24);
  if (!std_west) return std::nullopt;
  rule.std_offset = -*std_west;
  if (c.done()) return rule;

  if (!parse_name(c)) return std::nullopt;
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (!c.done() && c.peek() != ',') {
    const auto dst_west = parse_hms(c, 24);
    if (!dst_west) return std::nullopt;
    rule.dst_offset = -*dst_west;
  }
  // POSIX leaves a DST zone without dates to the implementation; a footer must not rely on that.
  const auto parse_day = [&c](rule_day& day) {
    if (c.eat('J')) {
      const auto n = parse_number(c, 3);
      if (!n || *n < 1 || *n > 365) return false;
      day.kind = rule_day::form::julian_no_leap;
      day.number = *n;
    } else if (c.eat('M')) {
      const auto m = parse_number(c, 2);
      if (!m || *m < 1 || *m > 12 || !c.eat('.')) return false;
      const auto w = parse_number(c, 1);
      if (!w || *w < 1 || *w > 5 || !c.eat('.')) return false;
      const auto d = parse_number(c, 1);
      if (!d || *d > 6) return false;
      day.kind = rule_day::form::month_week_day;
      day.month = *m;
      day.week = *w;
      day.weekday = *d;
    } else {
      const auto n = parse_number(c, 3);
      if (!n || *n > 365) return false;
      day.kind = rule_day::form::zero_based;
      day.number = *n;
    }
    if (c.eat('/')) {
      // RFC 8536 section 3.3.1 extends POSIX: -167..167 hours.
      const auto t = parse_hms(c, 167);
      if (!t) return false;
      day.time = *t;
    }
    return true;
  };
  if (!c.eat(',') || !parse_day(rule.start) || !c.eat(',') || !parse_day(rule.end) || !c.done()) {
    return std::nullopt;
  }
  return rule;
}

std::int64_t time_zone::rule_day_number(std::int64_t year, const rule_day& day) {
  const std::int64_t jan1 = days_from_civil(year, 1, 1);
  switch (day.kind) {
    case rule_day::form::julian_no_leap:
      return jan1 + day.number - 1 + (is_leap(year) && day.number >= 60 ? 1 : 0);
    case rule_day::form::zero_based:
      return jan1 + day.number;
    case rule_day::form::month_week_day:
      break;
  }
  const std::int64_t first = days_from_civil(year, day.month, 1);
  const std::int64_t next_first =
      day.month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, day.month + 1, 1);
  const std::int64_t first_weekday = floor_mod(first + 4, 7);  // 1970-01-01 was a Thursday
  std::int64_t d =
      first + floor_mod(day.weekday - first_weekday, 7) + std::int64_t{7} * (day.week - 1);
  // Week 5 means the last one: at most one week too far.
  if (d >= next_first) d -= 7;
  return d;
}

std::int64_t time_zone::rule_instant(const posix_rule& rule, std::int64_t year, bool dst) {
  // Each boundary is given in the local time in effect before it.
  const rule_day& day = dst ? rule.start : rule.end;
  const std::int32_t before = dst ? rule.std_offset : rule.dst_offset;
  return rule_day_number(year, day) * seconds_per_day + day.time - before;
}

namespace {

// One DST boundary of a POSIX rule as a UTC instant.
struct rule_event {
  std::int64_t at = 0;
  bool dst = false;
};

}  // namespace

std::int32_t time_zone::rule_offset_at(std::int64_t utc_seconds) const {
  const posix_rule& rule = *rule_;
  if (!rule.has_dst) return rule.std_offset;
  const std::int64_t t = std::clamp(utc_seconds, -rule_horizon, rule_horizon);
  const std::int64_t year = year_of_day(floor_div(t + rule.std_offset, seconds_per_day));
  // Boundaries may sit up to a week outside their year (times up to 167 h), so the last one
  // before t is among those of the two years before through the one after. Where an end and
  // the next start coincide (DST all year, "0/0,J365/25") the start wins, by sorting it after.
  std::array<rule_event, 8> events{};
  for (std::size_t k = 0; k < 4; ++k) {
    const std::int64_t y = year - 2 + static_cast<std::int64_t>(k);
    events[2 * k] = {rule_instant(rule, y, true), true};
    events[2 * k + 1] = {rule_instant(rule, y, false), false};
  }
  std::sort(events.begin(), events.end(), [](const rule_event& a, const rule_event& b) {
    return a.at != b.at ? a.at < b.at : (!a.dst && b.dst);
  });
  bool dst = false;
  for (const auto& e : events) {
    if (e.at <= t) dst = e.dst;
  }
  return dst ? rule.dst_offset : rule.std_offset;
}

std::optional<std::int64_t> time_zone::rule_next_change(std::int64_t utc_seconds) const {
  const posix_rule& rule = *rule_;
  if (!rule.has_dst || utc_seconds >= rule_horizon) return std::nullopt;
  const std::int64_t t = std::max(utc_seconds, -rule_horizon);
  const std::int64_t year = year_of_day(floor_div(t + rule.std_offset, seconds_per_day));
  // A rule that changes the offset at all does so at least once a year.
  std::array<rule_event, 8> events{};
  for (std::size_t k = 0; k < 4; ++k) {
    const std::int64_t y = year - 1 + static_cast<std::int64_t>(k);
    events[2 * k] = {rule_instant(rule, y, true), true};
    events[2 * k + 1] = {rule_instant(rule, y, false), false};
  }
  std::sort(events.begin(), events.end(),
            [](const rule_event& a, const rule_event& b) { return a.at < b.at; });
  for (const auto& e : events) {
    if (e.at > utc_seconds && rule_offset_at(e.at) != rule_offset_at(e.at - 1)) return e.at;
  }
  return std::nullopt;
}

std::optional<time_zone> time_zone::from_tzif(std::string_view bytes) {
  byte_reader r(bytes);
  const auto v1 = read_header(r);
  if (!v1) return std::nullopt;
  std::optional<tzif_data> data;
  std::optional<posix_rule> rule;
  if (v1->version == 0) {
    data = read_data(r, *v1, 4);
  } else {
    // Versions 2 and later repeat the data with 64-bit times after the 32-bit block, which only
    // needs skipping; version bytes past '4' are taken as laid out like version 4.
    if (v1->version < '2' || !r.has(data_bytes(*v1, 4))) return std::nullopt;
    r.take(static_cast<std::size_t>(data_bytes(*v1, 4)));
    const auto v2 = read_header(r);
    if (!v2 || v2->version < '2') return std::nullopt;
    data = read_data(r, *v2, 8);
    if (!data) return std::nullopt;
    // The footer: "\n<POSIX TZ string>\n"; an empty string means no rule for later times.
    if (!r.has(1) || r.take(1) != "\n") return std::nullopt;
    const std::string_view rest = r.rest();
    const std::size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;
    const std::string_view footer = rest.substr(0, newline);
    if (!footer.empty()) {
      rule = parse_rule(footer);
      if (!rule) return std::nullopt;
    }
  }
  if (!data) return std::nullopt;

  time_zone zone;
  zone.initial_offset_ = data->initial;
  zone.rule_ = rule;
  if (!data->times.empty()) zone.rule_from_ = data->times.back();
  // Transitions that keep the offset (a new abbreviation, a DST flag) are dropped, so every one
  // kept is a change and next_transition needs no scan.
  std::int32_t previous = zone.initial_offset_;
  for (std::size_t i = 0; i < data->times.size(); ++i) {
    if (data->offsets[i] == previous) continue;
    zone.transitions_.push_back(data->times[i]);
    zone.offsets_.push_back(data->offsets[i]);
    previous = data->offsets[i];
  }
  return zone;
}

std::int32_t time_zone::offset_at(std::int64_t utc_seconds) const {
  if (rule_ && utc_seconds >= rule_from_) return rule_offset_at(utc_seconds);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<std::size_t>(it - transitions_.begin()) - 1];
}

std::optional<std::int64_t> time_zone::next_transition(std::int64_t utc_seconds) const {
  if (!rule_ || utc_seconds < rule_from_) {
    const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
    if (it != transitions_.end() && (!rule_ || *it < rule_from_)) return *it;
  }
  if (!rule_) return std::nullopt;
  // Where the list hands over to the rule, the two may disagree.
  if (rule_from_ > utc_seconds && offset_at(rule_from_) != offset_at(rule_from_ - 1)) {
    return rule_from_;
  }
  return rule_next_change(std::max(utc_seconds, rule_from_));
}

std::int64_t time_zone::to_utc(std::int64_t local_seconds) const {
  const std::int64_t local = std::clamp(local_seconds, -local_limit, local_limit);
  // Every instant whose local time could be `local` lies in [local - max_utoff, local -
  // min_utoff]. The periods of constant offset there, in order: the first that holds its own
  // candidate instant is the earlier one of an overlap; one that starts past `local` in local
  // time ends the gap `local` fell in.
  std::int64_t start = local - max_utoff - 1;
  const std::int64_t last = local - min_utoff;
  for (std::size_t step = 0; step < time_zone_max_transitions + 8 && start <= last; ++step) {
    const std::int32_t offset = offset_at(start);
    if (start + offset > local) return start;
    const auto end = next_transition(start);
    const std::int64_t candidate = local - offset;
    if (candidate >= start && (!end || candidate < *end)) return candidate;
    if (!end) break;
    start = *end;
  }
  return local - offset_at(local);  // not reached: the offsets are bounded as above
}

bool is_time_zone_name(std::string_view name) {
  if (name.empty() || name.size() > time_zone_max_name) return false;
  bool segment_empty = true;
  for (const char c : name) {
    if (c == '/') {
      if (segment_empty) return false;  // a leading '/' or "//"
      segment_empty = true;
      continue;
    }
    // No '.' at all, so neither "." nor ".." can be a segment.
    if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '+' && c != '-') return false;
    segment_empty = false;
  }
  return !segment_empty;
}

std::optional<time_zone> load_time_zone(std::string_view name, const std::string& dir) {
  if (!is_time_zone_name(name)) return std::nullopt;
  std::ifstream file(dir + "/" + std::string(name), std::ios::binary);
  // A bare container may lack tzdata; UTC needs no file.
  if (!file) return name == "UTC" ? std::optional<time_zone>(time_zone::utc()) : std::nullopt;
  std::string bytes(max_file_bytes + 1, '\0');
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const auto got = file.gcount();
  if (file.bad() || got <= 0 || static_cast<std::size_t>(got) > max_file_bytes) {
    return std::nullopt;
  }
  bytes.resize(static_cast<std::size_t>(got));
  return time_zone::from_tzif(bytes);
}

}  // namespace lc::core
