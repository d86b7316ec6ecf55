#include "server/core/stats.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace lc::core {
namespace {

TEST(stats, empty_sample_is_all_zero) {
  const auto s = summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.mean, 0);
  EXPECT_EQ(s.p50, 0);
  EXPECT_EQ(s.p90, 0);
  EXPECT_EQ(s.p99, 0);
  EXPECT_EQ(s.max, 0);
}

TEST(stats, single_value_is_every_percentile) {
  const auto s = summarize({7.5});
  EXPECT_EQ(s.count, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 7.5);
  EXPECT_DOUBLE_EQ(s.p50, 7.5);
  EXPECT_DOUBLE_EQ(s.p90, 7.5);
  EXPECT_DOUBLE_EQ(s.p99, 7.5);
  EXPECT_DOUBLE_EQ(s.max, 7.5);
}

TEST(stats, nearest_rank_on_one_to_ten_unsorted) {
  const auto s = summarize({10, 1, 9, 2, 8, 3, 7, 4, 6, 5});
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_DOUBLE_EQ(s.p50, 5);   // ceil(5) = 5th
  EXPECT_DOUBLE_EQ(s.p90, 9);   // ceil(9) = 9th, not 10th
  EXPECT_DOUBLE_EQ(s.p99, 10);  // ceil(9.9) = 10th
  EXPECT_DOUBLE_EQ(s.max, 10);
}

TEST(stats, nearest_rank_on_one_to_hundred) {
  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);
  const auto s = summarize(v);
  EXPECT_DOUBLE_EQ(s.p50, 50);
  EXPECT_DOUBLE_EQ(s.p90, 90);
  EXPECT_DOUBLE_EQ(s.p99, 99);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(stats, percentile_is_an_observed_value_not_interpolated) {
  const auto s = summarize({1, 2, 3});
  EXPECT_DOUBLE_EQ(s.p50, 2);  // ceil(1.5) = 2nd
  EXPECT_DOUBLE_EQ(s.p90, 3);  // ceil(2.7) = 3rd
  const auto t = summarize({1, 100});
  EXPECT_DOUBLE_EQ(t.p50, 1);  // ceil(1.0) = 1st
  EXPECT_DOUBLE_EQ(t.mean, 50.5);
}

}  // namespace
}  // namespace lc::core
