#include "server/core/query.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(parse_target, path_only) {
  const auto t = parse_target("/api/v1/stats");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/v1/stats");
  EXPECT_TRUE(t->params.empty());
}

TEST(parse_target, splits_and_decodes_params) {
  const auto t = parse_target("/stats?department=billing&from=1700000000000&q=a+b%2Bc%20d");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/stats");
  ASSERT_EQ(t->params.size(), 3u);
  EXPECT_EQ(t->params.at("department"), "billing");
  EXPECT_EQ(t->params.at("from"), "1700000000000");
  EXPECT_EQ(t->params.at("q"), "a b+c d");
}

TEST(parse_target, decodes_the_path_but_keeps_plus_there) {
  const auto t = parse_target("/conversations/a%3Ab+c");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/conversations/a:b+c");
}

TEST(parse_target, decodes_param_names_and_utf8) {
  const auto t = parse_target("/x?na%6De=Gr%C3%BC%C3%9Fe");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->params.at("name"), "Grüße");
}

TEST(parse_target, last_value_wins_and_bare_names_are_empty) {
  const auto t = parse_target("/x?a=1&a=2&flag&&b=");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->params.at("a"), "2");
  EXPECT_EQ(t->params.at("flag"), "");
  EXPECT_EQ(t->params.at("b"), "");
  EXPECT_EQ(t->params.size(), 3u);
}

TEST(parse_target, value_may_contain_equals) {
  const auto t = parse_target("/x?token=abc==");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->params.at("token"), "abc==");
}

TEST(parse_target, empty_query) {
  const auto t = parse_target("/x?");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/x");
  EXPECT_TRUE(t->params.empty());
}

TEST(parse_target, fragment_is_dropped) {
  const auto t = parse_target("/x?a=1#frag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->params.at("a"), "1");
}

TEST(parse_target, rejects_non_origin_form) {
  EXPECT_FALSE(parse_target(""));
  EXPECT_FALSE(parse_target("stats"));
  EXPECT_FALSE(parse_target("http://example.com/stats"));
  EXPECT_FALSE(parse_target("*"));
  EXPECT_FALSE(parse_target("?a=1"));
}

TEST(parse_target, rejects_bad_percent_escapes) {
  EXPECT_FALSE(parse_target("/a%"));
  EXPECT_FALSE(parse_target("/a%2"));
  EXPECT_FALSE(parse_target("/a%zz"));
  EXPECT_FALSE(parse_target("/x?a=%G0"));
  EXPECT_FALSE(parse_target("/x?a=1%"));
  EXPECT_FALSE(parse_target("/x?%=1"));
}

TEST(parse_time_ms, unix_milliseconds) {
  EXPECT_EQ(parse_time_ms("0"), 0);
  EXPECT_EQ(parse_time_ms("1700000000123"), 1700000000123);
}

TEST(parse_time_ms, iso8601_utc) {
  EXPECT_EQ(parse_time_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_time_ms("2026-11-24T10:00:00Z"), 1795514400000);
  EXPECT_EQ(parse_time_ms("2000-03-01T00:00:00Z"), 951868800000);  // after a 400-year leap day
  EXPECT_EQ(parse_time_ms("1969-12-31T23:59:59Z"), -1000);
}

TEST(parse_time_ms, iso8601_fraction) {
  EXPECT_EQ(parse_time_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_time_ms("1970-01-01T00:00:01.250Z"), 1250);
  EXPECT_EQ(parse_time_ms("1970-01-01T00:00:01.999999Z"), 1999);  // truncated, not rounded
}

TEST(parse_time_ms, leap_days) {
  EXPECT_TRUE(parse_time_ms("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_time_ms("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_time_ms("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_time_ms("1900-02-29T00:00:00Z"));
}

TEST(parse_time_ms, rejects_everything_else) {
  EXPECT_FALSE(parse_time_ms(""));
  EXPECT_FALSE(parse_time_ms("-5"));
  EXPECT_FALSE(parse_time_ms("12a"));
  EXPECT_FALSE(parse_time_ms(" 12"));
  EXPECT_FALSE(parse_time_ms("99999999999999999999"));  // does not fit
  EXPECT_FALSE(parse_time_ms("2026-11-24T10:00:00"));   // no Z: local time is ambiguous
  EXPECT_FALSE(parse_time_ms("2026-11-24T10:00:00+01:00"));
  EXPECT_FALSE(parse_time_ms("2026-11-24 10:00:00Z"));
  EXPECT_FALSE(parse_time_ms("2026-11-24"));
  EXPECT_FALSE(parse_time_ms("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_time_ms("2026-00-01T00:00:00Z"));
  EXPECT_FALSE(parse_time_ms("2026-04-31T00:00:00Z"));
  EXPECT_FALSE(parse_time_ms("2026-11-24T24:00:00Z"));
  EXPECT_FALSE(parse_time_ms("2026-11-24T10:60:00Z"));
  EXPECT_FALSE(parse_time_ms("2026-11-24T10:00:60Z"));
  EXPECT_FALSE(parse_time_ms("2026-11-24T10:00:00.Z"));
  EXPECT_FALSE(parse_time_ms("2026-11-24T10:00:00,5Z"));
  EXPECT_FALSE(parse_time_ms("2026-1a-24T10:00:00Z"));
}

// limit=5x and limit=1e2 were accepted by std::stoul.
TEST(parse_count, only_plain_decimal_digits_in_range) {
  EXPECT_EQ(parse_count("5", 500), 5u);
  EXPECT_EQ(parse_count("500", 500), 500u);
  for (const char* bad :
       {"5x", "1e2", " 5", "5 ", "+5", "-5", "0", "501", "", "0x10", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_count(bad, 500)) << bad;
  }
}

}  // namespace
}  // namespace lc::core
