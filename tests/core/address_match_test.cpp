#include "server/core/address_match.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(address_matches, exact_addresses) {
  EXPECT_TRUE(address_matches("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(address_matches("127.0.0.2", "127.0.0.1"));
  EXPECT_TRUE(address_matches("::1", "::1"));
  EXPECT_FALSE(address_matches("::1", "127.0.0.1"));
}

TEST(address_matches, networks) {
  EXPECT_TRUE(address_matches("172.18.0.5", "172.16.0.0/12"));
  EXPECT_FALSE(address_matches("172.32.0.5", "172.16.0.0/12"));
  EXPECT_TRUE(address_matches("10.1.2.3", "10.0.0.0/8"));
  EXPECT_TRUE(address_matches("203.0.113.9", "0.0.0.0/0"));
  EXPECT_TRUE(address_matches("fd00::1", "fd00::/8"));
  EXPECT_FALSE(address_matches("fe80::1", "fd00::/8"));
}

TEST(address_matches, garbage_matches_nothing) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "nope", "", "10.0.0/8"}) {
    EXPECT_FALSE(address_matches("10.0.0.1", bad)) << bad;
  }
  EXPECT_FALSE(address_matches("?", "10.0.0.0/8"));
}

}  // namespace
}  // namespace lc::core
