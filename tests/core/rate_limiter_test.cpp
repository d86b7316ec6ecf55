#include "server/core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(rate_limiter, starts_full_then_refuses) {
  rate_limiter r(1.0, 3.0);
  EXPECT_TRUE(r.allow(1'000'000));
  EXPECT_TRUE(r.allow(1'000'000));
  EXPECT_TRUE(r.allow(1'000'000));
  EXPECT_FALSE(r.allow(1'000'000));
}

TEST(rate_limiter, first_call_at_any_time_starts_full) {
  // The first timestamp is not measured from zero: a bucket created late is not over-full.
  rate_limiter r(10.0, 2.0);
  EXPECT_TRUE(r.allow(5'000'000'000));
  EXPECT_TRUE(r.allow(5'000'000'000));
  EXPECT_FALSE(r.allow(5'000'000'000));
}

TEST(rate_limiter, refills_at_the_rate) {
  rate_limiter r(2.0, 1.0);  // one token every 500 ms
  EXPECT_TRUE(r.allow(0));
  EXPECT_FALSE(r.allow(499));
  EXPECT_TRUE(r.allow(500));
  EXPECT_FALSE(r.allow(500));
  EXPECT_FALSE(r.allow(999));
  EXPECT_TRUE(r.allow(1000));
}

TEST(rate_limiter, refill_is_capped_at_burst) {
  rate_limiter r(100.0, 2.0);
  EXPECT_TRUE(r.allow(0));
  EXPECT_TRUE(r.allow(0));
  // An hour idle buys only `burst` tokens.
  EXPECT_TRUE(r.allow(3'600'000));
  EXPECT_TRUE(r.allow(3'600'000));
  EXPECT_FALSE(r.allow(3'600'000));
}

TEST(rate_limiter, clock_going_backwards_does_not_refill) {
  rate_limiter r(1.0, 1.0);
  EXPECT_TRUE(r.allow(10'000));
  EXPECT_FALSE(r.allow(5'000));
  EXPECT_FALSE(r.allow(10'500));  // still only half a token since 10'000
  EXPECT_TRUE(r.allow(11'000));
}

TEST(rate_limiter, clock_going_backwards_does_not_drain) {
  rate_limiter r(1.0, 2.0);
  EXPECT_TRUE(r.allow(10'000));
  EXPECT_TRUE(r.allow(0));  // the second token is still there
  EXPECT_FALSE(r.allow(0));
}

TEST(rate_limiter, zero_burst_never_allows) {
  rate_limiter r(100.0, 0.0);
  EXPECT_FALSE(r.allow(0));
  EXPECT_FALSE(r.allow(60'000));
}

}  // namespace
}  // namespace lc::core
