#include "server/core/queue_estimate.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace lc::core {
namespace {

TEST(assignment_rate, zero_before_any_assignment) {
  assignment_rate r(300);
  EXPECT_EQ(r.per_second(0), 0.0);
  EXPECT_EQ(r.per_second(1'000'000), 0.0);
}

TEST(assignment_rate, halves_after_each_half_life) {
  assignment_rate r(100);
  r.on_assignment(1'000);
  const double start = r.per_second(1'000);
  EXPECT_GT(start, 0.0);
  EXPECT_NEAR(r.per_second(101'000), start / 2, 1e-12);
  EXPECT_NEAR(r.per_second(201'000), start / 4, 1e-12);
}

TEST(assignment_rate, asking_before_the_last_event_does_not_grow_the_rate) {
  assignment_rate r(100);
  r.on_assignment(50'000);
  EXPECT_DOUBLE_EQ(r.per_second(10'000), r.per_second(50'000));
}

TEST(assignment_rate, steady_stream_converges_to_its_rate) {
  assignment_rate r(60);
  // One assignment every 10 s for 20 half-lives: 0.1 per second.
  std::int64_t t = 0;
  for (int i = 0; i < 120; ++i, t += 10'000) r.on_assignment(t);
  EXPECT_NEAR(r.per_second(t - 10'000), 0.1, 0.01);
}

TEST(assignment_rate, events_add_up) {
  assignment_rate r(300);
  r.on_assignment(0);
  const double one = r.per_second(0);
  r.on_assignment(0);
  EXPECT_NEAR(r.per_second(0), 2 * one, 1e-12);
}

TEST(estimate_wait, zero_position_or_free_slot_means_no_wait) {
  EXPECT_EQ(estimate_wait_seconds({0, 0, 0, 0.0}), 0u);
  EXPECT_EQ(estimate_wait_seconds({1, 1, 1, 0.0}), 0u);
  EXPECT_EQ(estimate_wait_seconds({3, 3, 2, 0.0}), 0u);
  EXPECT_GT(estimate_wait_seconds({4, 3, 2, 0.0}), 0u);
}

TEST(estimate_wait, uses_the_observed_rate) {
  // 3 ahead of the free slots, one assignment per 20 s.
  EXPECT_EQ(estimate_wait_seconds({5, 2, 4, 0.05}), 60u);
  // Rounds up: 1 / 0.3 = 3.33 s.
  EXPECT_EQ(estimate_wait_seconds({1, 0, 1, 0.3}), 4u);
}

TEST(estimate_wait, without_a_rate_spreads_the_default_over_online_agents) {
  EXPECT_EQ(estimate_wait_seconds({3, 0, 2, 0.0}, 180.0), 270u);
  EXPECT_EQ(estimate_wait_seconds({3, 0, 2, 1e-9}, 180.0), 270u);  // noise is not a rate
}

TEST(estimate_wait, without_rate_or_agents_uses_the_default_per_position) {
  EXPECT_EQ(estimate_wait_seconds({2, 0, 0, 0.0}, 100.0), 200u);
}

TEST(estimate_wait, capped_at_an_hour) {
  EXPECT_EQ(estimate_wait_seconds({100, 0, 0, 0.0}), 3600u);
  EXPECT_EQ(estimate_wait_seconds({1000, 0, 1, 0.01}), 3600u);
  EXPECT_EQ(estimate_wait_seconds({20, 0, 1, 0.0}, 180.0), 3600u);  // exactly 3600
  EXPECT_EQ(estimate_wait_seconds({19, 0, 1, 0.0}, 180.0), 3420u);
}

}  // namespace
}  // namespace lc::core
