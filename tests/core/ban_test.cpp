#include "server/core/ban.hpp"

#include <gtest/gtest.h>

#include "server/core/digest.hpp"
#include "server/core/ids.hpp"

namespace lc::core {
namespace {

TEST(BanSubject, AVisitorIsNamedByAnIssuedIdOnly) {
  const auto id = issued_id('v');
  auto s = make_ban_subject(ban_kind::visitor, id);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->value, id);
  EXPECT_EQ(s->key_part, "v:" + id);
  EXPECT_FALSE(make_ban_subject(ban_kind::visitor, issued_id('c')));
  EXPECT_FALSE(make_ban_subject(ban_kind::visitor, "v:x:{y}"));
  EXPECT_FALSE(make_ban_subject(ban_kind::visitor, ""));
}

TEST(BanSubject, AnAddressIsCanonicalAndItsKeyIsHex) {
  auto v4 = make_ban_subject(ban_kind::address, "203.0.113.7");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->value, "203.0.113.7");
  EXPECT_EQ(v4->key_part, "a:" + hex("203.0.113.7"));
  // Two spellings of one IPv6 address are one ban.
  auto a = make_ban_subject(ban_kind::address, "2001:DB8:0:0::1");
  auto b = make_ban_subject(ban_kind::address, "2001:db8::1");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->value, "2001:db8::1");
  EXPECT_EQ(a->key_part, b->key_part);
  EXPECT_EQ(a->key_part.find(':', 2), std::string::npos) << "no ':' of the address in the key";
  for (const char* bad : {"", "203.0.113", "203.0.113.256", "example.com", " 203.0.113.7",
                          "1.2.3.4:80", "::1::2", "lc:ban:x"}) {
    EXPECT_FALSE(make_ban_subject(ban_kind::address, bad)) << bad;
  }
}

TEST(BanSubject, AnEmailIgnoresCaseAndBlanksAndIsHashedForItsKey) {
  auto a = make_ban_subject(ban_kind::email, "  Mallory@Example.COM ");
  auto b = make_ban_subject(ban_kind::email, "mallory@example.com");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->value, "mallory@example.com");
  EXPECT_EQ(a->key_part, b->key_part);
  EXPECT_EQ(a->key_part, "e:" + sha256_hex("mallory@example.com"));
  EXPECT_NE(a->key_part, make_ban_subject(ban_kind::email, "eve@example.com")->key_part);
  for (const char* bad :
       {"", "@example.com", "mallory@", "no-at-sign", "a b@example.com", "a@b\nc"}) {
    EXPECT_FALSE(make_ban_subject(ban_kind::email, bad)) << bad;
  }
  EXPECT_FALSE(make_ban_subject(ban_kind::email, std::string(250, 'a') + "@b.cd"));
}

TEST(BanKind, NamesRoundTrip) {
  for (auto k : {ban_kind::visitor, ban_kind::address, ban_kind::email}) {
    EXPECT_EQ(parse_ban_kind(ban_kind_name(k)), k);
  }
  EXPECT_FALSE(parse_ban_kind("Visitor"));
  EXPECT_FALSE(parse_ban_kind(""));
}

}  // namespace
}  // namespace lc::core
