#include "server/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace lc::core {
namespace {

using namespace std::string_literals;

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

TEST(ids, hex_spells_every_byte_in_two_lower_case_digits) {
  EXPECT_EQ(hex(""), "");
  EXPECT_EQ(hex(std::string("\x00\x0f\xf0\xff:", 5)), "000ff0ff3a");
}

TEST(ids, unhex_undoes_hex_and_refuses_anything_else) {
  const std::string bytes("\x00\x0f\xf0\xff:", 5);
  EXPECT_EQ(unhex(hex(bytes)), bytes);
  EXPECT_EQ(unhex(""), "");
  for (const char* bad : {"0", "0g", "0F", "zz", "abc"}) EXPECT_FALSE(unhex(bad)) << bad;
}

TEST(ids, issued_ids_are_a_kind_and_24_hex_digits) {
  const auto c = issued_id('c');
  EXPECT_TRUE(is_issued_id('c', c)) << c;
  EXPECT_FALSE(is_issued_id('v', c));
  EXPECT_TRUE(is_issued_id('v', issued_id('v')));
  for (const std::string& bad :
       {c + ":meta", c.substr(0, 24), c + "0", std::string("C") + c.substr(1),
        "c" + std::string(24, 'g'), std::string()}) {
    EXPECT_FALSE(is_issued_id('c', bad)) << bad;
  }
}

TEST(ids, operator_ids_are_lower_case_without_key_structure) {
  for (const std::string& ok : {"alice"s, "sales"s, "a"s, "team-2.emea_x"s, std::string(32, 'a')}) {
    EXPECT_TRUE(is_operator_id(ok)) << ok;
  }
  for (const std::string& bad : {""s, "zed:convs"s, "Alice"s, "{x}"s, "-a"s, ".a"s, "a b"s, "a/b"s,
                                 "ü"s, std::string(33, 'a'), std::string("a\0b", 3)}) {
    EXPECT_FALSE(is_operator_id(bad)) << bad;
  }
}

TEST(ids, client_ids_take_the_client_charset) {
  EXPECT_TRUE(is_client_id("Az09_.:-", 64));
  EXPECT_FALSE(is_client_id("", 64));
  EXPECT_TRUE(is_client_id(std::string(64, 'a'), 64));
  EXPECT_FALSE(is_client_id(std::string(65, 'a'), 64));
  for (const char* bad : {"a b", "a/b", "a@b", "a\nb", "ü", "a*", "{x}"}) {
    EXPECT_FALSE(is_client_id(bad, 64)) << bad;
  }
}

}  // namespace
}  // namespace lc::core
