#include "server/core/business_hours.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "server/core/time_zone.hpp"

namespace lc::core {
namespace {

// UTC milliseconds of a civil date and time.
std::int64_t utc_ms(int y, int mo, int d, int h = 0, int mi = 0) {
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

const time_zone& berlin() {
  static const time_zone z = [] {
    auto loaded = load_time_zone("Europe/Berlin");
    EXPECT_TRUE(loaded) << "is tzdata installed?";
    return loaded.value_or(time_zone::utc());
  }();
  return z;
}

weekly_schedule schedule(std::string_view text) {
  std::string error;
  auto s = parse_schedule(text, &error);
  EXPECT_TRUE(s) << text << ": " << error;
  return s.value_or(weekly_schedule{});
}

std::vector<civil_day> holidays(std::string_view text) {
  std::string error;
  auto h = parse_holidays(text, &error);
  EXPECT_TRUE(h) << text << ": " << error;
  return h.value_or(std::vector<civil_day>{});
}

business_hours in_berlin(std::string_view text, std::string_view days = "") {
  return business_hours(schedule(text), holidays(days), berlin());
}

// A day number back to a date, through the standard calendar types.
civil_day civil_of(std::int64_t day_number) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day_number}}};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

std::string schedule_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_schedule(text, &error)) << text;
  return error;
}

std::string holiday_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_holidays(text, &error)) << text;
  return error;
}

TEST(BusinessHours, open_and_closed_in_berlin_winter_and_summer) {
  const auto h = in_berlin("mon-fri 09:00-17:00");
  // Friday 27 March 2026, CET (+1).
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 27, 8) - 1));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 3, 27, 8)));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 3, 27, 16) - 1));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 27, 16)));
  // Monday 30 March 2026, the day after the change: CEST (+2).
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 30, 7) - 1));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 3, 30, 7)));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 3, 30, 15) - 1));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 30, 15)));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 28, 12)));  // Saturday
  EXPECT_FALSE(h.always_open());
}

TEST(BusinessHours, an_interval_across_the_spring_change_is_an_hour_shorter) {
  // Sunday 29 March 2026: 01:00 CET is 00:00 UTC, 04:00 CEST is 02:00 UTC.
  const auto h = in_berlin("sun 01:00-04:00");
  EXPECT_TRUE(h.open_at(utc_ms(2026, 3, 29, 0)));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 3, 29, 2) - 1));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 29, 2)));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 3, 29, 0)), utc_ms(2026, 3, 29, 2));
  EXPECT_EQ(h.next_opening(utc_ms(2026, 3, 28, 12)), utc_ms(2026, 3, 29, 0));
}

TEST(BusinessHours, an_opening_inside_the_spring_gap_opens_when_the_clocks_jump) {
  // 02:30 does not exist on 29 March; at 01:00 UTC the clocks go from 02:00 to 03:00.
  const auto h = in_berlin("sun 02:30-05:00");
  EXPECT_EQ(h.next_opening(utc_ms(2026, 3, 29, 0)), utc_ms(2026, 3, 29, 1));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 3, 29, 1) - 1));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 3, 29, 1)), utc_ms(2026, 3, 29, 3));
}

TEST(BusinessHours, the_autumn_overlap_opens_twice) {
  // 25 October 2026: 02:30 CEST (00:30 UTC); at 01:00 UTC clocks go back from 03:00 to 02:00,
  // so 02:00-02:30 comes again (closed) before 02:30 CET (01:30 UTC) opens again until 05:00.
  const auto h = in_berlin("sun 02:30-05:00");
  EXPECT_EQ(h.next_opening(utc_ms(2026, 10, 25, 0)), utc_ms(2026, 10, 25, 0, 30));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 10, 25, 0, 30)), utc_ms(2026, 10, 25, 1));
  EXPECT_EQ(h.next_opening(utc_ms(2026, 10, 25, 1)), utc_ms(2026, 10, 25, 1, 30));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 10, 25, 1, 30)), utc_ms(2026, 10, 25, 4));
  // The clocks going back can also open it: 02:00-02:30 a second time, from 01:00 UTC.
  const auto early = in_berlin("sun 02:00-02:30");
  EXPECT_EQ(early.next_opening(utc_ms(2026, 10, 25, 0, 40)), utc_ms(2026, 10, 25, 1));
  EXPECT_EQ(early.closes_at(utc_ms(2026, 10, 25, 1)), utc_ms(2026, 10, 25, 1, 30));
}

TEST(BusinessHours, next_opening_on_a_friday_evening_is_monday_morning) {
  const auto h = in_berlin("mon-fri 09:00-17:00");
  // Friday 12 June 2026, 18:00 CEST -> Monday 15 June 09:00 CEST (07:00 UTC).
  EXPECT_EQ(h.next_opening(utc_ms(2026, 6, 12, 16)), utc_ms(2026, 6, 15, 7));
  // In winter: Friday 4 December 18:00 CET -> Monday 7 December 09:00 CET (08:00 UTC).
  EXPECT_EQ(h.next_opening(utc_ms(2026, 12, 4, 17)), utc_ms(2026, 12, 7, 8));
  // Open now: now.
  EXPECT_EQ(h.next_opening(utc_ms(2026, 6, 12, 10)), utc_ms(2026, 6, 12, 10));
  // Over a DST change: Friday 23 October (CEST) -> Monday 26 October (CET).
  EXPECT_EQ(h.next_opening(utc_ms(2026, 10, 23, 16)), utc_ms(2026, 10, 26, 8));
}

TEST(BusinessHours, a_holiday_closes_the_whole_day) {
  const auto h = in_berlin("mon-fri 09:00-17:00", "2026-06-15");
  EXPECT_FALSE(h.open_at(utc_ms(2026, 6, 15, 8)));
  EXPECT_EQ(h.next_opening(utc_ms(2026, 6, 12, 16)), utc_ms(2026, 6, 16, 7));
  // Holidays in a row, over a weekend.
  const auto christmas = in_berlin("mon-fri 09:00-17:00", "2026-12-24 2026-12-25,2026-12-31");
  EXPECT_EQ(christmas.next_opening(utc_ms(2026, 12, 23, 17)), utc_ms(2026, 12, 28, 8));
  EXPECT_EQ(christmas.next_opening(utc_ms(2026, 12, 30, 17)), utc_ms(2027, 1, 1, 8));
}

TEST(BusinessHours, holidays_close_an_otherwise_always_open_department) {
  const auto h = in_berlin("", "2026-06-15");
  EXPECT_TRUE(h.always_open());
  EXPECT_TRUE(h.open_at(utc_ms(2026, 6, 14, 21, 59)));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 6, 14, 22)));  // local midnight
  EXPECT_FALSE(h.open_at(utc_ms(2026, 6, 15, 21, 59)));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 6, 15, 22)));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 6, 10)), utc_ms(2026, 6, 14, 22));
  EXPECT_EQ(h.next_opening(utc_ms(2026, 6, 15, 3)), utc_ms(2026, 6, 15, 22));
}

TEST(BusinessHours, an_overnight_interval_runs_into_the_next_day) {
  const auto h = in_berlin("fri 22:00-02:00");
  // Friday 12 June 2026 22:00 CEST = 20:00 UTC, to Saturday 02:00 CEST = 00:00 UTC.
  EXPECT_FALSE(h.open_at(utc_ms(2026, 6, 12, 20) - 1));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 6, 12, 20)));
  EXPECT_TRUE(h.open_at(utc_ms(2026, 6, 12, 23, 59)));
  EXPECT_FALSE(h.open_at(utc_ms(2026, 6, 13, 0)));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 6, 12, 21)), utc_ms(2026, 6, 13, 0));
  // Sunday night into Monday wraps round the week.
  const auto sunday = in_berlin("sun 22:00-02:00");
  EXPECT_TRUE(sunday.open_at(utc_ms(2026, 6, 14, 23)));  // Monday 01:00 CEST
  EXPECT_FALSE(sunday.open_at(utc_ms(2026, 6, 15, 0)));
  EXPECT_EQ(sunday.closes_at(utc_ms(2026, 6, 14, 21)), utc_ms(2026, 6, 15, 0));
  // A holiday on the Saturday cuts the night short at midnight.
  const auto cut = in_berlin("fri 22:00-02:00", "2026-06-13");
  EXPECT_EQ(cut.closes_at(utc_ms(2026, 6, 12, 21)), utc_ms(2026, 6, 12, 22));
}

TEST(BusinessHours, always_open) {
  const business_hours h;
  EXPECT_TRUE(h.always_open());
  for (const std::int64_t t :
       {std::int64_t{0}, utc_ms(2026, 6, 12, 3), -utc_ms(2026, 1, 1), INT64_MIN, INT64_MAX}) {
    EXPECT_TRUE(h.open_at(t));
  }
  EXPECT_EQ(h.next_opening(utc_ms(2026, 6, 12, 3)), utc_ms(2026, 6, 12, 3));
  EXPECT_FALSE(h.closes_at(utc_ms(2026, 6, 12, 3)));
  // Open round the clock all week is not "always open" by its text, but never closes either.
  const auto all_week = in_berlin("mon-sun 00:00-24:00");
  EXPECT_FALSE(all_week.always_open());
  EXPECT_TRUE(all_week.open_at(utc_ms(2026, 6, 14, 22)));
  EXPECT_FALSE(all_week.closes_at(utc_ms(2026, 6, 14, 22)));
}

TEST(BusinessHours, nothing_when_it_does_not_open_within_400_days) {
  // Open on Mondays only, and every Monday for 60 weeks is a holiday.
  std::vector<civil_day> mondays;
  for (int week = 0; week < 60; ++week) {
    mondays.push_back(civil_of(days_from_civil(2026, 6, 15) + 7 * week));
  }
  const business_hours h(schedule("mon 09:00-10:00"), mondays, berlin());
  EXPECT_FALSE(h.next_opening(utc_ms(2026, 6, 13)));
  EXPECT_FALSE(h.closes_at(utc_ms(2026, 6, 13)));
  // Within the horizon it is found: 50 weeks of Monday holidays, then a Monday open.
  mondays.resize(50);
  const business_hours later(schedule("mon 09:00-10:00"), mondays, berlin());
  const auto opens = later.next_opening(utc_ms(2026, 6, 13));
  ASSERT_TRUE(opens);
  EXPECT_EQ(*opens, utc_ms(2027, 5, 31, 7));
  // Beyond the JavaScript Date range: nothing, never a wrong answer.
  EXPECT_FALSE(in_berlin("mon 09:00-10:00").next_opening(INT64_MAX));
  EXPECT_FALSE(in_berlin("mon 09:00-10:00").closes_at(INT64_MIN));
}

TEST(BusinessHours, closes_at) {
  const auto h = in_berlin("mon-fri 08:30-12:00,13:00-17:30");
  // Monday 15 June 2026 10:00 CEST -> 12:00 CEST.
  EXPECT_EQ(h.closes_at(utc_ms(2026, 6, 15, 8)), utc_ms(2026, 6, 15, 10));
  EXPECT_EQ(h.closes_at(utc_ms(2026, 6, 15, 11)), utc_ms(2026, 6, 15, 15, 30));
  EXPECT_FALSE(h.closes_at(utc_ms(2026, 6, 15, 10, 30)));  // lunch: closed now
  // Touching intervals across midnight are one open period.
  const auto late = in_berlin("mon 20:00-24:00; tue 00:00-02:00");
  EXPECT_EQ(late.closes_at(utc_ms(2026, 6, 15, 19)), utc_ms(2026, 6, 16, 0));
}

TEST(BusinessHours, a_hand_built_schedule_is_canonicalised) {
  weekly_schedule messy;
  messy.intervals = {{600, 700}, {500, 650}, {700, 800}, {-5, 10}, {900, 900}, {9000, 20000}};
  const business_hours h(messy, {{2026, 2, 30}, {2026, 6, 15}}, berlin());
  const std::vector<week_interval> want{{0, 10}, {500, 800}, {9000, minutes_per_week}};
  EXPECT_EQ(h.schedule().intervals, want);
  EXPECT_EQ(format_schedule(messy), format_schedule(h.schedule()));
  EXPECT_EQ(format_holidays({{2026, 6, 15}, {2026, 2, 30}, {2026, 6, 15}}), "2026-06-15");
}

TEST(BusinessHoursParse, forms_an_admin_may_type) {
  EXPECT_EQ(schedule("MON-Fri 09:00-17:00"), schedule("mon-fri 09:00-17:00"));
  EXPECT_EQ(schedule("  mon - fri  9:00 - 12:00 , 13:00-17:00 ;sat 10:00-14:00 ; "),
            schedule("mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00"));
  EXPECT_EQ(schedule("fri-mon 10:00-12:00"), schedule("fri,sat,sun,mon 10:00-12:00"));
  EXPECT_EQ(schedule("mon,wed 09:00-10:00"), schedule("mon 09:00-10:00; wed 09:00-10:00"));
  const std::vector<week_interval> merged{{540, 780}};
  EXPECT_EQ(schedule("mon 09:00-12:00,11:00-13:00").intervals, merged);
  EXPECT_EQ(schedule("mon 09:00-12:00; mon 12:00-13:00").intervals, merged);
  EXPECT_TRUE(schedule("").intervals.empty());
  EXPECT_TRUE(schedule("   ").intervals.empty());
  const std::vector<week_interval> night{{0, 120}, {minutes_per_week - 120, minutes_per_week}};
  EXPECT_EQ(schedule("sun 22:00-02:00").intervals, night);
  EXPECT_EQ(schedule("mon 22:00-00:00"), schedule("mon 22:00-24:00"));
  EXPECT_TRUE(parse_schedule("mon 09:00-17:00", nullptr));
  EXPECT_FALSE(parse_schedule("mon 25:00-17:00", nullptr));
}

TEST(BusinessHoursParse, errors_say_what_and_where) {
  EXPECT_EQ(schedule_error("mon-fri 09:00-17:00; sat 25:00-14:00"),
            "rule 2: 'sat 25:00-14:00': hour must be 00..24");
  EXPECT_EQ(schedule_error("mon 09:00-17:60"), "rule 1: 'mon 09:00-17:60': minute must be 00..59");
  EXPECT_EQ(schedule_error("xyz 09:00-17:00"),
            "rule 1: 'xyz 09:00-17:00': unknown day 'xyz' (days are mon tue wed thu fri sat sun)");
  EXPECT_EQ(schedule_error("mon-fri"),
            "rule 1: 'mon-fri': no hours after the days (write e.g. 'mon-fri 09:00-17:00')");
  EXPECT_EQ(schedule_error("09:00-17:00"),
            "rule 1: '09:00-17:00': no days before the hours (write e.g. 'mon-fri 09:00-17:00')");
  EXPECT_EQ(schedule_error("mon 9-17"),
            "rule 1: 'mon 9-17': '9' is not a time (write HH:MM, e.g. 09:00)");
  EXPECT_EQ(schedule_error("mon 24:00-02:00"),
            "rule 1: 'mon 24:00-02:00': 24:00 can only end an interval (an interval from midnight "
            "starts at 00:00)");
  EXPECT_EQ(schedule_error("mon 10:00-24:30"),
            "rule 1: 'mon 10:00-24:30': '24:30' is past 24:00, the end of the day");
  EXPECT_EQ(schedule_error("mon 09:00-09:00"),
            "rule 1: 'mon 09:00-09:00': the interval 09:00-09:00 is empty (start and end are the "
            "same)");
  EXPECT_EQ(schedule_error("mon 09:00"),
            "rule 1: 'mon 09:00': '09:00' needs an end time (write e.g. 09:00-17:00)");
  EXPECT_EQ(schedule_error("mon 09:00-17:00;; tue 09:00-17:00"),
            "rule 2 is empty (two ';' in a row?)");
  EXPECT_EQ(schedule_error("mon 09:00-17:00 tue"),
            "rule 1: 'mon 09:00-17:00 tue': unexpected 'tue' after an interval (separate "
            "intervals with ',' and rules with ';')");
  EXPECT_EQ(schedule_error("mon 09:00-17:00!"),
            "rule 1: 'mon 09:00-17:00!': unexpected character '!'");
  EXPECT_EQ(schedule_error("mon- 09:00-17:00"),
            "rule 1: 'mon- 09:00-17:00': a range of days needs a day after '-' (e.g. mon-fri)");
  EXPECT_EQ(schedule_error("monday 09:00-17:00"),
            "rule 1: 'monday 09:00-17:00': unknown day 'monday' (days are mon tue wed thu fri sat "
            "sun)");
  EXPECT_EQ(schedule_error("mon 09:00-17:00,"),
            "rule 1: 'mon 09:00-17:00,': expected a time like 09:00 at the end");
  EXPECT_EQ(schedule_error("mon 09:00:00-17:00"),
            "rule 1: 'mon 09:00:00-17:00': '09:00:00' is not a time (write HH:MM, e.g. 09:00)");
  EXPECT_EQ(schedule_error("mon 09:00-17:00\x01"),
            "rule 1: 'mon 09:00-17:00?': unexpected byte (not a letter, digit, ':', '-' or ',')");
  EXPECT_EQ(schedule_error(std::string(5000, ' ')),
            "the schedule is too long (5000 characters; at most 4096)");
  // Too many separate intervals: 30 a day, every day.
  const auto hhmm = [](int m) {
    return std::string(1, static_cast<char>('0' + m / 600)) + static_cast<char>('0' + m / 60 % 10) +
           ":" + static_cast<char>('0' + m % 60 / 10) + static_cast<char>('0' + m % 10);
  };
  std::string many = "mon-sun ";
  for (int i = 0; i < 30; ++i) many += (i > 0 ? "," : "") + hhmm(i * 10) + "-" + hhmm(i * 10 + 5);
  EXPECT_EQ(schedule_error(many), "too many separate intervals in the week (210; at most 200)");
}

TEST(BusinessHoursParse, format_is_canonical_and_round_trips) {
  for (const char* text : {"mon-fri 08:30-12:00,13:00-17:30; sat 10:00-14:00", "fri 22:00-02:00",
                           "sun 22:00-02:00", "mon-sun 00:00-24:00", "mon,wed-fri 09:00-17:00",
                           "mon 09:00-24:00; tue 00:00-24:00; wed 00:00-17:00",
                           "mon 09:00-17:00,22:00-02:00; tue 09:00-17:00", ""}) {
    EXPECT_EQ(format_schedule(schedule(text)), text);
  }
  EXPECT_EQ(format_schedule(schedule("fri-mon 10:00-12:00")), "mon,fri-sun 10:00-12:00");
  EXPECT_EQ(format_schedule(schedule("mon 09:00-17:00; wed 09:00-17:00")), "mon,wed 09:00-17:00");
  EXPECT_EQ(format_schedule(schedule("Mon 22:00-24:00;tue 00:00-02:00")), "mon 22:00-02:00");
}

TEST(BusinessHoursParse, random_schedules_round_trip) {
  std::mt19937 rng(12);
  for (int round = 0; round < 2000; ++round) {
    weekly_schedule s;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const int begin = static_cast<int>(rng() % minutes_per_week);
      const int length = 1 + static_cast<int>(rng() % (rng() % 2 == 0 ? 120 : 3000));
      s.intervals.push_back({begin, std::min(begin + length, minutes_per_week)});
    }
    const business_hours canonical(s, {}, time_zone::utc());
    const std::string text = format_schedule(s);
    std::string error;
    const auto again = parse_schedule(text, &error);
    ASSERT_TRUE(again) << text << ": " << error;
    ASSERT_EQ(*again, canonical.schedule()) << text;
    ASSERT_EQ(format_schedule(*again), text);
  }
}

TEST(BusinessHoursParse, holidays) {
  const std::vector<civil_day> want{{2026, 1, 1}, {2026, 12, 25}, {2026, 12, 26}, {2028, 2, 29}};
  EXPECT_EQ(holidays("2026-12-25, 2026-12-26 2026-01-01,2028-02-29\n2026-12-25"), want);
  EXPECT_EQ(format_holidays(want), "2026-01-01, 2026-12-25, 2026-12-26, 2028-02-29");
  EXPECT_EQ(holidays(format_holidays(want)), want);
  EXPECT_TRUE(holidays("").empty());
  EXPECT_TRUE(holidays(" , ,").empty());
  EXPECT_EQ(holiday_error("2026-12-25, 2026-02-30"),
            "holiday 2: '2026-02-30': day must be 01..28 in February 2026");
  EXPECT_EQ(holiday_error("2100-02-29"),
            "holiday 1: '2100-02-29': day must be 01..28 in February 2100");
  EXPECT_EQ(holiday_error("2026-13-01"), "holiday 1: '2026-13-01': month must be 01..12");
  EXPECT_EQ(holiday_error("26-12-25"),
            "holiday 1: '26-12-25': not a date (write YYYY-MM-DD, e.g. 2026-12-25)");
  EXPECT_EQ(holiday_error("2026/12/25"),
            "holiday 1: '2026/12/25': not a date (write YYYY-MM-DD, e.g. 2026-12-25)");
  EXPECT_EQ(holiday_error("2026-12-00"),
            "holiday 1: '2026-12-00': day must be 01..31 in December 2026");
  std::string many;
  for (int i = 0; i < 367; ++i) many += "2026-01-01 ";
  EXPECT_EQ(holiday_error(many), "more than 366 holidays");
  EXPECT_EQ(holiday_error(std::string(9000, ',')),
            "the holiday list is too long (9000 characters; at most 8192)");
  EXPECT_TRUE(parse_holidays(many.substr(0, 366 * 11), nullptr));
}

}  // namespace
}  // namespace lc::core
