#include "server/core/backoff.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(Backoff, RetriesDoubleFromASecondToFiveMinutesThenStop) {
  const std::int64_t day = 86400000;
  EXPECT_EQ(retry_at(0, 1, 10, day), 1010);
  EXPECT_EQ(retry_at(0, 2, 10, day), 2010);
  EXPECT_EQ(retry_at(0, 4, 10, day), 8010);
  EXPECT_EQ(retry_at(0, 30, 10, day), 10 + 300000) << "capped";
  EXPECT_EQ(retry_at(0, 5, day, day), std::nullopt) << "given up";
  EXPECT_EQ(retry_at(0, 5, day - 1, day), day - 1 + 16000) << "the last try before giving up";
}

}  // namespace
}  // namespace lc::core
