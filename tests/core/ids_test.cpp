#include "server/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace lc::core {
namespace {

TEST(ids, default_is_24_lower_case_hex_digits) {
  const auto id = random_id();
  EXPECT_EQ(id.size(), 24u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
}

TEST(ids, length_follows_byte_count) {
  EXPECT_EQ(random_id(0), "");
  EXPECT_EQ(random_id(1).size(), 2u);
  EXPECT_EQ(random_id(32).size(), 64u);
}

TEST(ids, do_not_repeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_id());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(ids, use_every_hex_digit) {
  // A broken nibble mapping (e.g. only 0-9) would never produce some digits.
  std::set<char> digits;
  for (int i = 0; i < 100; ++i) {
    for (char c : random_id(16)) digits.insert(c);
  }
  EXPECT_EQ(digits.size(), 16u);
}

}  // namespace
}  // namespace lc::core
