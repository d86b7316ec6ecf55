#include "server/core/time_zone.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace lc::core {
namespace {

// UTC (or local wall-clock) seconds of a civil date and time.
std::int64_t at(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

const time_zone& zone(const std::string& name) {
  // A deque: the references handed out stay valid as it grows (a vector moved them, ASan saw).
  static std::deque<std::pair<std::string, time_zone>> cache;
  for (const auto& [n, z] : cache) {
    if (n == name) return z;
  }
  auto z = load_time_zone(name);
  EXPECT_TRUE(z) << name << " (is tzdata installed?)";
  cache.emplace_back(name, z.value_or(time_zone::utc()));
  return cache.back().second;
}

std::string be(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// A TZif file by hand: time type 0 is `initial`, then one type per other offset. Version '\0'
// writes only the 32-bit block and no footer.
std::string tzif(std::string_view footer,
                 const std::vector<std::pair<std::int64_t, std::int32_t>>& transitions = {},
                 std::int32_t initial = 0, char version = '2') {
  std::vector<std::int32_t> types{initial};
  std::string index;
  for (const auto& t : transitions) {
    auto it = std::find(types.begin(), types.end(), t.second);
    if (it == types.end()) it = types.insert(types.end(), t.second);
    index += static_cast<char>(it - types.begin());
  }
  const auto block = [&](int time_bytes) {
    std::string out = "TZif";
    out += version;
    out += std::string(15, '\0');
    out += be(0, 4) + be(0, 4) + be(0, 4);  // isutcnt, isstdcnt, leapcnt
    out += be(transitions.size(), 4) + be(types.size(), 4) + be(4, 4);
    for (const auto& t : transitions) out += be(static_cast<std::uint64_t>(t.first), time_bytes);
    out += index;
    for (const auto off : types)
      out += be(static_cast<std::uint32_t>(off), 4) + std::string(2, '\0');
    out += std::string("XXX", 4);
    return out;
  };
  if (version == '\0') return block(4);
  return block(4) + block(8) + "\n" + std::string(footer) + "\n";
}

std::optional<time_zone> footer_only(std::string_view rule) {
  return time_zone::from_tzif(tzif(rule));
}

TEST(TimeZone, utc_is_zero_everywhere) {
  const auto utc = time_zone::utc();
  for (const std::int64_t t : {std::int64_t{0}, at(2026, 3, 29, 1), at(2100, 7, 1), -at(2500, 1, 1),
                               INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(utc.offset_at(t), 0);
  }
  EXPECT_EQ(utc.to_utc(at(2026, 7, 1, 12)), at(2026, 7, 1, 12));
  EXPECT_FALSE(utc.next_transition(0));
  EXPECT_EQ(zone("UTC").offset_at(at(2026, 7, 1)), 0);
}

TEST(TimeZone, berlin_winter_summer_and_the_2026_transitions) {
  const auto& z = zone("Europe/Berlin");
  EXPECT_EQ(z.offset_at(at(2026, 1, 15, 12)), 3600);
  EXPECT_EQ(z.offset_at(at(2026, 7, 15, 12)), 7200);
  EXPECT_EQ(z.offset_at(at(2026, 3, 29, 1) - 1), 3600);
  EXPECT_EQ(z.offset_at(at(2026, 3, 29, 1)), 7200);
  EXPECT_EQ(z.offset_at(at(2026, 10, 25, 1) - 1), 7200);
  EXPECT_EQ(z.offset_at(at(2026, 10, 25, 1)), 3600);
  EXPECT_EQ(z.next_transition(at(2026, 1, 1)), at(2026, 3, 29, 1));
  EXPECT_EQ(z.next_transition(at(2026, 3, 29, 1)), at(2026, 10, 25, 1));
  EXPECT_EQ(z.next_transition(at(2026, 3, 29, 1) - 1), at(2026, 3, 29, 1));
}

TEST(TimeZone, berlin_far_future_comes_from_the_footer_rule) {
  const auto& z = zone("Europe/Berlin");
  EXPECT_EQ(z.offset_at(at(2100, 7, 1)), 7200);
  EXPECT_EQ(z.offset_at(at(2100, 1, 1)), 3600);
  EXPECT_EQ(z.offset_at(at(2100, 3, 28, 1) - 1), 3600);
  EXPECT_EQ(z.offset_at(at(2100, 3, 28, 1)), 7200);
  EXPECT_EQ(z.offset_at(at(2100, 10, 31, 1) - 1), 7200);
  EXPECT_EQ(z.offset_at(at(2100, 10, 31, 1)), 3600);
  EXPECT_EQ(z.next_transition(at(2100, 1, 1)), at(2100, 3, 28, 1));
  EXPECT_EQ(z.next_transition(at(2100, 3, 28, 1)), at(2100, 10, 31, 1));
  // Instants past any calendar are clamped, never overflow.
  EXPECT_EQ(z.offset_at(INT64_MIN), z.offset_at(INT64_MIN + 1));
  (void)z.offset_at(INT64_MAX);
  (void)z.next_transition(INT64_MAX);
  (void)z.to_utc(INT64_MAX);
  (void)z.to_utc(INT64_MIN);
}

TEST(TimeZone, new_york) {
  const auto& z = zone("America/New_York");
  EXPECT_EQ(z.offset_at(at(2026, 1, 15)), -5 * 3600);
  EXPECT_EQ(z.offset_at(at(2026, 7, 15)), -4 * 3600);
  EXPECT_EQ(z.offset_at(at(2026, 3, 8, 7) - 1), -5 * 3600);
  EXPECT_EQ(z.offset_at(at(2026, 3, 8, 7)), -4 * 3600);
  EXPECT_EQ(z.offset_at(at(2026, 11, 1, 6) - 1), -4 * 3600);
  EXPECT_EQ(z.offset_at(at(2026, 11, 1, 6)), -5 * 3600);
  EXPECT_EQ(z.offset_at(at(2100, 7, 1)), -4 * 3600);
}

TEST(TimeZone, lord_howe_has_half_an_hour_of_dst) {
  const auto& z = zone("Australia/Lord_Howe");
  EXPECT_EQ(z.offset_at(at(2026, 1, 15)), 11 * 3600);
  EXPECT_EQ(z.offset_at(at(2026, 7, 1)), 10 * 3600 + 1800);
  EXPECT_EQ(z.offset_at(at(2100, 1, 15)), 11 * 3600);
  EXPECT_EQ(z.offset_at(at(2100, 7, 1)), 10 * 3600 + 1800);
}

TEST(TimeZone, kolkata_has_no_dst) {
  const auto& z = zone("Asia/Kolkata");
  for (const auto t : {at(2026, 1, 1), at(2026, 7, 1), at(2100, 7, 1)}) {
    EXPECT_EQ(z.offset_at(t), 5 * 3600 + 1800);
  }
  EXPECT_FALSE(z.next_transition(at(2026, 1, 1)));
}

TEST(TimeZone, to_utc_in_a_gap_an_overlap_and_ordinary_times) {
  const auto& berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.to_utc(at(2026, 7, 1, 12)), at(2026, 7, 1, 10));
  EXPECT_EQ(berlin.to_utc(at(2026, 1, 1, 12)), at(2026, 1, 1, 11));
  // 02:00-03:00 does not exist on 29 March: the first instant after it, 03:00 CEST.
  EXPECT_EQ(berlin.to_utc(at(2026, 3, 29, 2, 30)), at(2026, 3, 29, 1));
  EXPECT_EQ(berlin.to_utc(at(2026, 3, 29, 2)), at(2026, 3, 29, 1));
  EXPECT_EQ(berlin.to_utc(at(2026, 3, 29, 3)), at(2026, 3, 29, 1));
  // 02:00-03:00 happens twice on 25 October: the earlier, in CEST.
  EXPECT_EQ(berlin.to_utc(at(2026, 10, 25, 2, 30)), at(2026, 10, 25, 0, 30));
  EXPECT_EQ(berlin.to_utc(at(2026, 10, 25, 3)), at(2026, 10, 25, 2));
  const auto& ny = zone("America/New_York");
  EXPECT_EQ(ny.to_utc(at(2026, 3, 8, 2, 30)), at(2026, 3, 8, 7));
  EXPECT_EQ(ny.to_utc(at(2026, 11, 1, 1, 30)), at(2026, 11, 1, 5, 30));
  // Far future, through the rule.
  EXPECT_EQ(berlin.to_utc(at(2100, 3, 28, 2, 30)), at(2100, 3, 28, 1));
  EXPECT_EQ(berlin.to_utc(at(2100, 10, 31, 2, 30)), at(2100, 10, 31, 0, 30));
}

TEST(TimeZone, to_utc_inverts_offset_at_through_a_year) {
  for (const char* name : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"}) {
    const auto& z = zone(name);
    for (std::int64_t u = at(2026, 1, 1); u < at(2027, 1, 1); u += 900) {
      const std::int64_t local = u + z.offset_at(u);
      const std::int64_t back = z.to_utc(local);
      ASSERT_LE(back, u) << name << " " << u;
      ASSERT_EQ(back + z.offset_at(back), local) << name << " " << u;
    }
  }
}

TEST(TimeZone, a_v1_file_uses_its_32_bit_data) {
  const auto z = time_zone::from_tzif(tzif("", {{1000, 3600}, {2000, 7200}}, 1800, '\0'));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->offset_at(999), 1800);
  EXPECT_EQ(z->offset_at(1000), 3600);
  EXPECT_EQ(z->offset_at(2000), 7200);
  EXPECT_EQ(z->offset_at(at(2100, 1, 1)), 7200);
  EXPECT_EQ(z->next_transition(0), 1000);
  EXPECT_EQ(z->next_transition(1000), 2000);
  EXPECT_FALSE(z->next_transition(2000));
}

TEST(TimeZone, transitions_that_keep_the_offset_are_not_changes) {
  const auto z = time_zone::from_tzif(tzif("", {{1000, 0}, {2000, 3600}, {3000, 3600}}));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->next_transition(0), 2000);
  EXPECT_FALSE(z->next_transition(2000));
}

TEST(TimeZone, malformed_bytes_are_refused) {
  const std::string berlin = file_bytes("/usr/share/zoneinfo/Europe/Berlin");
  ASSERT_GT(berlin.size(), 100u);
  ASSERT_TRUE(time_zone::from_tzif(berlin));
  EXPECT_FALSE(time_zone::from_tzif(""));
  EXPECT_FALSE(time_zone::from_tzif("TZif"));
  for (std::size_t n = 0; n < berlin.size(); ++n) {
    EXPECT_FALSE(time_zone::from_tzif(std::string_view(berlin).substr(0, n))) << "cut at " << n;
  }
  auto wrong_magic = berlin;
  wrong_magic[0] = 'X';
  EXPECT_FALSE(time_zone::from_tzif(wrong_magic));
  // Huge counts, in the first header and in the 64-bit one.
  for (const std::size_t field : {20u, 24u, 28u, 32u, 36u, 40u}) {
    auto huge = berlin;
    huge.replace(field, 4, "\xff\xff\xff\xff");
    EXPECT_FALSE(time_zone::from_tzif(huge)) << "field at " << field;
  }
  const auto second = berlin.find("TZif", 4);
  ASSERT_NE(second, std::string::npos);
  for (const std::size_t field : {20u, 32u, 36u, 40u}) {
    auto huge = berlin;
    huge.replace(second + field, 4, "\xff\xff\xff\xff");
    EXPECT_FALSE(time_zone::from_tzif(huge)) << "64-bit field at " << field;
  }
  auto bad_version = berlin;
  bad_version[4] = '1';
  EXPECT_FALSE(time_zone::from_tzif(bad_version));
  // Too many transitions, unsorted ones, offsets beyond 26 hours.
  std::vector<std::pair<std::int64_t, std::int32_t>> many;
  for (std::int64_t i = 0; i <= static_cast<std::int64_t>(time_zone_max_transitions); ++i) {
    many.emplace_back(i * 10, i % 2 == 0 ? 0 : 3600);
  }
  EXPECT_FALSE(time_zone::from_tzif(tzif("", many)));
  many.pop_back();
  EXPECT_TRUE(time_zone::from_tzif(tzif("", many)));
  EXPECT_FALSE(time_zone::from_tzif(tzif("", {{2000, 0}, {1000, 3600}})));
  EXPECT_FALSE(time_zone::from_tzif(tzif("", {{1000, 0}, {1000, 3600}})));
  EXPECT_FALSE(time_zone::from_tzif(tzif("", {{1000, 100000}})));
  EXPECT_FALSE(time_zone::from_tzif(tzif("", {}, -90000)));
  // The footer must end in a newline.
  auto unterminated = tzif("CET-1");
  unterminated.pop_back();
  EXPECT_FALSE(time_zone::from_tzif(unterminated));
}

TEST(TimeZonePosix, a_footer_alone_gives_the_berlin_rule_of_every_year) {
  const auto rule = footer_only("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(rule);
  const auto& berlin = zone("Europe/Berlin");
  // The file's own transitions (1996..2037) agree with the rule hour by hour.
  for (std::int64_t u = at(1997, 1, 1); u < at(2037, 12, 31); u += 3600) {
    ASSERT_EQ(rule->offset_at(u), berlin.offset_at(u)) << u;
  }
  EXPECT_EQ(rule->offset_at(at(2026, 3, 29, 1) - 1), 3600);
  EXPECT_EQ(rule->offset_at(at(2026, 3, 29, 1)), 7200);
  EXPECT_EQ(rule->next_transition(at(2026, 3, 29, 1)), at(2026, 10, 25, 1));
}

TEST(TimeZonePosix, new_york_and_lord_howe_rules_agree_with_their_files) {
  for (const auto& [name, footer] : std::vector<std::pair<std::string, std::string>>{
           {"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
           {"Australia/Lord_Howe", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"}}) {
    const auto rule = footer_only(footer);
    ASSERT_TRUE(rule) << footer;
    const auto& file = zone(name);
    for (std::int64_t u = at(2008, 1, 1); u < at(2037, 12, 31); u += 1800) {
      ASSERT_EQ(rule->offset_at(u), file.offset_at(u)) << name << " " << u;
    }
  }
}

TEST(TimeZonePosix, quoted_names_and_minutes) {
  const auto tehran_like = footer_only("<+0330>-3:30");
  ASSERT_TRUE(tehran_like);
  EXPECT_EQ(tehran_like->offset_at(at(2026, 1, 1)), 12600);
  EXPECT_EQ(tehran_like->offset_at(at(2026, 7, 1)), 12600);
  EXPECT_FALSE(tehran_like->next_transition(0));
  const auto west = footer_only("<-0230>2:30:15");
  ASSERT_TRUE(west);
  EXPECT_EQ(west->offset_at(0), -(2 * 3600 + 30 * 60 + 15));
  const auto plus = footer_only("XXX+4");
  ASSERT_TRUE(plus);
  EXPECT_EQ(plus->offset_at(0), -4 * 3600);
  // An explicit DST offset, not one hour more.
  const auto two_hours = footer_only("AAA0BBB-2,M3.5.0/1,M10.5.0/3");
  ASSERT_TRUE(two_hours);
  EXPECT_EQ(two_hours->offset_at(at(2026, 7, 1)), 7200);
}

TEST(TimeZonePosix, julian_day_forms) {
  // Jn counts 1..365 and never February 29: J60 is 1 March in every year.
  const auto j = footer_only("AAA0BBB,J60,J300");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->offset_at(at(2024, 3, 1, 2) - 1), 0);
  EXPECT_EQ(j->offset_at(at(2024, 3, 1, 2)), 3600);
  EXPECT_EQ(j->offset_at(at(2023, 3, 1, 2)), 3600);
  // J300 is 27 October; the end is at 02:00 in DST, 01:00 UTC.
  EXPECT_EQ(j->offset_at(at(2024, 10, 27, 1) - 1), 3600);
  EXPECT_EQ(j->offset_at(at(2024, 10, 27, 1)), 0);
  // n counts from 0 and does count February 29: day 59 is 29 February in 2024, 1 March in 2023.
  const auto n = footer_only("AAA0BBB,59/0,299/0");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->offset_at(at(2024, 2, 29) - 1), 0);
  EXPECT_EQ(n->offset_at(at(2024, 2, 29)), 3600);
  EXPECT_EQ(n->offset_at(at(2023, 2, 28, 12)), 0);
  EXPECT_EQ(n->offset_at(at(2023, 3, 1)), 3600);
}

TEST(TimeZonePosix, negative_and_long_times) {
  // Starts at -1:00 on the last Sunday of March (23:00 the Saturday before) and ends at 26:00
  // on the last Sunday of October (02:00 DST the Monday after): RFC 8536 section 3.3.1.
  const auto z = footer_only("AAA0BBB,M3.5.0/-1,M10.5.0/26");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->offset_at(at(2026, 3, 28, 23) - 1), 0);
  EXPECT_EQ(z->offset_at(at(2026, 3, 28, 23)), 3600);
  EXPECT_EQ(z->offset_at(at(2026, 10, 26, 1) - 1), 3600);
  EXPECT_EQ(z->offset_at(at(2026, 10, 26, 1)), 0);
  const auto far = footer_only("AAA0BBB,M3.5.0/167,M10.5.0/-167");
  ASSERT_TRUE(far);
  (void)far->offset_at(at(2026, 6, 1));
  (void)far->next_transition(at(2026, 6, 1));
}

TEST(TimeZonePosix, dst_all_year) {
  const auto z = footer_only("EST5EDT,0/0,J365/25");
  ASSERT_TRUE(z);
  for (const auto t : {at(2026, 1, 1), at(2026, 1, 1, 5), at(2026, 7, 1), at(2026, 12, 31, 23),
                       at(2027, 1, 1, 5), at(2028, 12, 31, 12)}) {
    EXPECT_EQ(z->offset_at(t), -4 * 3600) << t;
  }
  EXPECT_FALSE(z->next_transition(at(2026, 1, 1)));
}

TEST(TimeZonePosix, southern_hemisphere_next_transition) {
  const auto z = footer_only("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  ASSERT_TRUE(z);
  // First Sunday of April 2026 is the 5th: 02:00 at +11 is 15:00 UTC on the 4th.
  EXPECT_EQ(z->next_transition(at(2026, 1, 1)), at(2026, 4, 4, 15));
  // First Sunday of October 2026 is the 4th: 02:00 at +10:30 is 15:30 UTC on the 3rd.
  EXPECT_EQ(z->next_transition(at(2026, 4, 4, 15)), at(2026, 10, 3, 15, 30));
}

TEST(TimeZonePosix, malformed_footers_make_the_file_malformed) {
  for (const char* footer : {"CET-1CEST",
                             "CE-1",
                             "CET",
                             "-1",
                             "CET-1CEST,M13.1.0,M10.5.0",
                             "CET-1CEST,M3.5.0",
                             "CET-1CEST,M3.6.0,M10.5.0",
                             "CET-1CEST,M3.5.7,M10.5.0",
                             "CET-1CEST,M3.0.0,M10.5.0",
                             "<+03-3",
                             "<+3>-3",
                             "<+0 3>-3",
                             "CET-25",
                             "CET-1:60",
                             "CET-1CEST,M3.5.0,M10.5.0/168",
                             "CET-1CEST,J0,J100",
                             "CET-1CEST,J366,J100",
                             "CET-1CEST,366,100",
                             "CET-1 ",
                             "CET-1x",
                             "CET-1CEST,M3.5.0,M10.5.0,",
                             "CET-0001",
                             "CET-1CEST-2-3,M3.5.0,M10.5.0",
                             "CET-1\r"}) {
    EXPECT_FALSE(footer_only(footer)) << footer;
  }
  EXPECT_TRUE(footer_only(""));  // no rule: the last transition's offset stays
}

TEST(TimeZoneName, accepts_zone_names) {
  for (const char* name : {"Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                           "Etc/GMT-14", "EST5EDT", "a"}) {
    EXPECT_TRUE(is_time_zone_name(name)) << name;
  }
  EXPECT_TRUE(is_time_zone_name(std::string(64, 'a')));
}

TEST(TimeZoneName, refuses_paths_that_could_leave_the_directory) {
  for (const char* name :
       {"../etc/passwd", "/etc", "Europe/../../x", "", "a b", ".", "..", "Europe/",
        "Europe//Berlin", "Europe/./Berlin", "Europe\\Berlin", "Europe/Berlin\n"}) {
    EXPECT_FALSE(is_time_zone_name(name)) << name;
  }
  EXPECT_FALSE(is_time_zone_name(std::string(65, 'a')));
  EXPECT_FALSE(is_time_zone_name(std::string_view("Europe/Ber\0lin", 14)));
}

TEST(TimeZoneName, load_time_zone) {
  EXPECT_TRUE(load_time_zone("Europe/Berlin"));
  EXPECT_FALSE(load_time_zone("Europe/Nowhere"));
  EXPECT_FALSE(load_time_zone("Europe"));  // a directory
  EXPECT_FALSE(load_time_zone("../zoneinfo/Europe/Berlin"));
  EXPECT_FALSE(load_time_zone("Europe/Berlin", "/nonexistent"));
  // A container without tzdata still has UTC.
  const auto utc = load_time_zone("UTC", "/nonexistent");
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->offset_at(at(2026, 7, 1)), 0);
}

}  // namespace
}  // namespace lc::core
