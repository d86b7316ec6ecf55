#include "server/record/bans.hpp"

#include <gtest/gtest.h>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

ban_row ban(std::string kind, std::string value, std::int64_t at, std::int64_t expires) {
  ban_row b;
  b.kind = std::move(kind);
  b.value = std::move(value);
  b.key_part = b.kind.substr(0, 1) + ":" + b.value;
  b.conversation_id = "c1";
  b.reason = "spam";
  b.created_by = "ada";
  b.created_ms = at;
  b.expires_ms = expires;
  return b;
}

TEST(Bans, AddedBansAreListedNewestFirstWhileInForce) {
  test::record_env env;
  auto added =
      add_bans(env.db(), {ban("visitor", "v1", 1000, 5000), ban("address", "ip", 1000, 0)});
  ASSERT_EQ(added.size(), 2u);
  EXPECT_GT(added[0].id, 0);
  EXPECT_NE(added[0].id, added[1].id);
  add_bans(env.db(), {ban("email", "e@x", 2000, 0)});

  auto now = list_bans(env.db(), false, 3000, 100);
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now[0].kind, "email") << "newest first";
  EXPECT_EQ(now[2].reason, "spam");

  auto later = list_bans(env.db(), false, 6000, 100);
  EXPECT_EQ(later.size(), 2u) << "the visitor ban expired at 5000";
  EXPECT_EQ(list_bans(env.db(), true, 6000, 100).size(), 3u) << "all=true keeps expired ones";
  EXPECT_EQ(list_bans(env.db(), true, 6000, 1).size(), 1u);
}

TEST(Bans, LiftingEndsABanOnceAndUnknownIdsAreNothing) {
  test::record_env env;
  const auto b = add_bans(env.db(), {ban("visitor", "v1", 1000, 0)})[0];
  auto lifted = lift_ban(env.db(), b.id, "grace", 2000);
  ASSERT_TRUE(lifted);
  EXPECT_EQ(lifted->lifted_by, "grace");
  EXPECT_EQ(lifted->lifted_ms, 2000);
  EXPECT_FALSE(lifted->in_force(2001));
  auto again = lift_ban(env.db(), b.id, "hal", 3000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->lifted_by, "grace") << "a second lift changes nothing";
  EXPECT_FALSE(lift_ban(env.db(), b.id + 100, "hal", 3000));
  EXPECT_TRUE(list_bans(env.db(), false, 4000, 100).empty());
}

TEST(Bans, ANewBanOnTheSameIdentifierLiftsTheOneInForce) {
  test::record_env env;
  const auto first = add_bans(env.db(), {ban("address", "ip", 1000, 0)})[0];
  const auto second = add_bans(env.db(), {ban("address", "ip", 2000, 9000)})[0];
  auto listed = list_bans(env.db(), false, 3000, 100);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, second.id);
  auto old = find_ban(env.db(), first.id);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->lifted_ms, 2000);
  EXPECT_EQ(old->lifted_by, "ada");
}

}  // namespace
}  // namespace lc::record
