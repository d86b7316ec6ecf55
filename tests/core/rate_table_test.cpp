#include "server/core/rate_table.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(rate_table, each_key_has_its_own_bucket) {
  rate_table t(1.0, 2.0);
  EXPECT_TRUE(t.allow("a", 0));
  EXPECT_TRUE(t.allow("a", 0));
  EXPECT_FALSE(t.allow("a", 0));
  EXPECT_TRUE(t.allow("b", 0));
  EXPECT_TRUE(t.allow("a", 1000));  // refilled one token
}

TEST(rate_table, stays_bounded_and_forgets_only_full_buckets) {
  rate_table t(1.0, 1.0, 2);
  EXPECT_TRUE(t.allow("a", 0));
  EXPECT_TRUE(t.allow("b", 0));
  EXPECT_FALSE(t.allow("c", 0)) << "a full table refuses a new key";
  EXPECT_EQ(t.size(), 2u);
  EXPECT_FALSE(t.allow("a", 10)) << "a's bucket is remembered while it refills";
  EXPECT_TRUE(t.allow("c", 5000)) << "refilled buckets are dropped to make room";
  EXPECT_LE(t.size(), 2u);
}

TEST(rate_table, a_full_table_is_swept_at_most_once_a_second) {
  rate_table t(1.0, 1.0, 1);
  EXPECT_TRUE(t.allow("a", 0));
  EXPECT_FALSE(t.allow("b", 1000)) << "swept at 1000, but a was used too recently to forget";
  EXPECT_FALSE(t.allow("c", 1500)) << "a is forgettable now, but no second sweep within 1 s";
  EXPECT_TRUE(t.allow("c", 2000));
}

}  // namespace
}  // namespace lc::core
