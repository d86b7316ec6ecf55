#include "server/record/reports.hpp"

#include <gtest/gtest.h>

#include "server/core/stats.hpp"
#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

// 2023-11-14T22:13:20Z
constexpr std::int64_t t0 = 1'700'000'000'000;

// Conversations whose response times are known: the i-th has first response 1000 + 137 * i
// (mod 9000) ms, and every third is bob's in sales.
void archive_scripted(pg_connection& db, int n) {
  for (int i = 0; i < n; ++i) {
    auto c = test::sample_conversation(test::conv_id(i), test::visitor_id(i), t0 + i * 60'000);
    const bool bob = i % 3 == 0;
    c.agent_id = bob ? "bob" : "alice";
    c.department = bob ? "sales" : "billing";
    c.measurements = {
        {"first_response", 0, c.department, c.agent_id, 1000 + (137 * i) % 9000, t0 + i * 60'000},
        {"resolution", 1, c.department, c.agent_id, 60'000 + i, t0 + i * 60'000}};
    if (i % 5 == 0) c.measurements.push_back({"missed", 0, c.department, c.agent_id, 1, t0});
    write_archive(db, c);
  }
}

const measure_summary* find(const std::vector<measure_summary>& rows, const std::string& group,
                            const std::string& measure) {
  for (const auto& r : rows) {
    if (r.group == group && r.measure == measure) return &r;
  }
  return nullptr;
}

void expect_equal(const measure_summary& sql, const std::vector<double>& values) {
  const auto core = core::summarize(values);
  EXPECT_EQ(sql.count, core.count);
  EXPECT_DOUBLE_EQ(sql.mean, core.mean);
  EXPECT_EQ(sql.p50, core.p50);
  EXPECT_EQ(sql.p90, core.p90);
  EXPECT_EQ(sql.p99, core.p99);
  EXPECT_EQ(sql.max, core.max);
}

// The report from SQL is the one core::summarize computes (nearest rank, the same mean).
TEST(Reports, SqlSummariesEqualTheCoreOnes) {
  test::record_env env;
  archive_scripted(env.db(), 101);
  report_filter all{t0 - 1, t0 + 1'000'000'000, "", "", {}, true};
  auto rows = summarize_measures(env.db(), all, report_group::none);
  std::vector<double> first, alice;
  for (int i = 0; i < 101; ++i) {
    first.push_back(1000 + (137 * i) % 9000);
    if (i % 3 != 0) alice.push_back(1000 + (137 * i) % 9000);
  }
  ASSERT_TRUE(find(rows, "", "first_response"));
  expect_equal(*find(rows, "", "first_response"), first);
  ASSERT_TRUE(find(rows, "", "missed"));
  EXPECT_EQ(find(rows, "", "missed")->count, 21u);

  auto by_agent = summarize_measures(env.db(), all, report_group::agent);
  ASSERT_TRUE(find(by_agent, "alice", "first_response"));
  expect_equal(*find(by_agent, "alice", "first_response"), alice);
  EXPECT_EQ(find(by_agent, "bob", "resolution")->count, 34u);
  auto by_department = summarize_measures(env.db(), all, report_group::department);
  EXPECT_EQ(find(by_department, "sales", "resolution")->count, 34u);
}

TEST(Reports, FiltersAndScopeAreApplied) {
  test::record_env env;
  archive_scripted(env.db(), 30);
  // An agent of billing sees billing's numbers only, whatever else exists.
  report_filter billing{t0 - 1, t0 + 1'000'000'000, "", "", {"billing"}, false};
  auto rows = summarize_measures(env.db(), billing, report_group::none);
  EXPECT_EQ(find(rows, "", "resolution")->count, 20u);
  report_filter nobody{t0 - 1, t0 + 1'000'000'000, "", "", {}, false};
  EXPECT_EQ(find(summarize_measures(env.db(), nobody, report_group::none), "", "resolution"),
            nullptr);
  // The time range: the first ten minutes hold ten conversations.
  report_filter early{t0, t0 + 9 * 60'000, "", "", {}, true};
  EXPECT_EQ(find(summarize_measures(env.db(), early, report_group::none), "", "resolution")->count,
            10u);
  report_filter bob{t0 - 1, t0 + 1'000'000'000, "", "bob", {}, true};
  EXPECT_EQ(find(summarize_measures(env.db(), bob, report_group::none), "", "resolution")->count,
            10u);
  auto lines = list_measurements(env.db(), billing, 1000);
  EXPECT_EQ(lines.size(), 20u * 2 + 4);  // first_response and resolution each, 4 missed
  EXPECT_EQ(lines.front().measure, "first_response");
  EXPECT_EQ(lines.back().measure, "missed");
}

TEST(Reports, ByTagEveryConversationCountsOnceForEachOfItsTags) {
  test::record_env env;
  for (int i = 0; i < 6; ++i) {
    auto c = test::sample_conversation(test::conv_id(i), test::visitor_id(i), t0 + i * 60'000);
    c.tags = i % 2 == 0 ? std::vector<std::string>{"refund", "vip"}
             : i == 1   ? std::vector<std::string>{"refund"}
                        : std::vector<std::string>{};
    c.measurements = {{"resolution", 0, c.department, c.agent_id, 1000 * (i + 1), t0 + i * 60'000}};
    write_archive(env.db(), c);
  }
  report_filter all{t0 - 1, t0 + 1'000'000'000, "", "", {}, true};
  auto by_tag = summarize_measures(env.db(), all, report_group::tag);
  const auto* refund = find(by_tag, "refund", "resolution");
  ASSERT_TRUE(refund);
  expect_equal(*refund, {1000, 2000, 3000, 5000});
  const auto* vip = find(by_tag, "vip", "resolution");
  ASSERT_TRUE(vip);
  expect_equal(*vip, {1000, 3000, 5000});
  EXPECT_FALSE(find(by_tag, "", "resolution")) << "untagged ones are in no group";
  report_filter sales = all;
  sales.department = "nowhere";
  EXPECT_TRUE(summarize_measures(env.db(), sales, report_group::tag).empty()) << "filters apply";
}

TEST(Reports, HoursAndDaysFollowTheTimeZone) {
  test::record_env env;
  archive_scripted(env.db(), 3);  // t0 is 22:13 UTC on a Tuesday
  report_filter all{t0 - 1, t0 + 1'000'000'000, "", "", {}, true};
  auto utc = summarize_measures(env.db(), all, report_group::hour_of_day, "UTC");
  EXPECT_TRUE(find(utc, "22", "resolution"));
  auto tokyo = summarize_measures(env.db(), all, report_group::hour_of_day, "Asia/Tokyo");
  EXPECT_TRUE(find(tokyo, "7", "resolution"));
  auto days = summarize_measures(env.db(), all, report_group::day_of_week, "Asia/Tokyo");
  EXPECT_TRUE(find(days, "3", "resolution"));  // already Wednesday there
  try {
    summarize_measures(env.db(), all, report_group::hour_of_day, "Mars/Olympus");
    FAIL() << "an unknown time zone was accepted";
  } catch (const pg_error& e) {
    EXPECT_EQ(e.sqlstate().substr(0, 2), "22");
    EXPECT_FALSE(e.connection_lost());
  }
}

}  // namespace
}  // namespace lc::record
