#include "server/core/netstring.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(Netstring, ItemsOfAnyBytesGoThereAndBack) {
  const std::vector<std::string> items{"", "a", "12:34", std::string("\0|\n", 3),
                                       std::string(1000, 'x')};
  std::string out;
  for (const auto& i : items) append_netstring(out, i);
  EXPECT_EQ(out.substr(0, 10), "0:1:a5:12:");
  auto back = split_netstrings(out);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ((*back)[i], items[i]);
  EXPECT_TRUE(split_netstrings("")->empty());
}

TEST(Netstring, MalformedPayloadsAreRefusedWhole) {
  for (const char* bad : {"3:ab", "x:a", ":a", "1a", "-1:a", "1:a2", "99999999999:a", "+1:a"}) {
    EXPECT_FALSE(split_netstrings(bad)) << bad;
  }
}

}  // namespace
}  // namespace lc::core
