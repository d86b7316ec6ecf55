// The Pub/Sub wake-up grammar, decoded: every kind livechat.lua publishes, and garbage.
#include "server/store/wakeup.hpp"

#include <gtest/gtest.h>

namespace lc::store {
namespace {

namespace pb = livechat::v1;

TEST(Wakeup, DecodesAnEventWithItsFields) {
  auto w = decode_wakeup("e|c1|3:seq1:41:k1:11:t5:a|b c2:ts4:1700");
  ASSERT_TRUE(w);
  auto* e = std::get_if<event_wakeup>(&*w);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event.conversation_id(), "c1");
  EXPECT_EQ(e->event.seq(), 4u);
  EXPECT_EQ(e->event.kind(), pb::EVENT_KIND_MESSAGE);
  EXPECT_EQ(e->event.text(), "a|b c");
  EXPECT_EQ(e->event.at_ms(), 1700);
}

TEST(Wakeup, DecodesAssignmentsTypingReceiptsConnectionsAndQueues) {
  auto a = decode_wakeup("a|c1|alice|7");
  ASSERT_TRUE(a && std::holds_alternative<assigned_wakeup>(*a));
  EXPECT_EQ(std::get<assigned_wakeup>(*a).agent_id, "alice");
  EXPECT_EQ(std::get<assigned_wakeup>(*a).epoch, 7u);

  auto u = decode_wakeup("u|c1|bob");
  ASSERT_TRUE(u && std::holds_alternative<unassigned_wakeup>(*u));
  EXPECT_EQ(std::get<unassigned_wakeup>(*u).conversation_id, "c1");

  auto t = decode_wakeup("t|c1|1|1|Ann | Co");
  ASSERT_TRUE(t && std::holds_alternative<typing_wakeup>(*t));
  EXPECT_EQ(std::get<typing_wakeup>(*t).role, pb::ROLE_VISITOR);
  EXPECT_TRUE(std::get<typing_wakeup>(*t).typing);
  EXPECT_EQ(std::get<typing_wakeup>(*t).name, "Ann | Co") << "a name may hold the separator";
  EXPECT_TRUE(std::get<typing_wakeup>(*t).draft.empty());

  auto p = decode_wakeup("p|c1|1|3:Ann10:hi | there");
  ASSERT_TRUE(p && std::holds_alternative<typing_wakeup>(*p));
  EXPECT_TRUE(std::get<typing_wakeup>(*p).typing);
  EXPECT_EQ(std::get<typing_wakeup>(*p).name, "Ann");
  EXPECT_EQ(std::get<typing_wakeup>(*p).draft, "hi | there");
  for (const char* bad : {"p|c1|1|3:Ann", "p|c1|x|3:Ann2:hi", "p||1|3:Ann2:hi", "p|c1|1|9:Ann"}) {
    EXPECT_FALSE(decode_wakeup(bad)) << bad;
  }

  auto r = decode_wakeup("r|c1|2|read|12");
  ASSERT_TRUE(r && std::holds_alternative<receipt_wakeup>(*r));
  EXPECT_EQ(std::get<receipt_wakeup>(*r).reader_role, pb::ROLE_AGENT);
  EXPECT_EQ(std::get<receipt_wakeup>(*r).kind, pb::RECEIPT_KIND_READ);
  EXPECT_EQ(std::get<receipt_wakeup>(*r).seq, 12u);

  auto c = decode_wakeup("c|c1|0|30");
  ASSERT_TRUE(c && std::holds_alternative<agent_connection_wakeup>(*c));
  EXPECT_FALSE(std::get<agent_connection_wakeup>(*c).connected);
  EXPECT_EQ(std::get<agent_connection_wakeup>(*c).grace_seconds, 30u);

  auto q = decode_wakeup("q|billing");
  ASSERT_TRUE(q && std::holds_alternative<queue_wakeup>(*q));
  EXPECT_EQ(std::get<queue_wakeup>(*q).department, "billing");

  auto x = decode_wakeup("x|alice|1700000000123");
  ASSERT_TRUE(x && std::holds_alternative<revoked_wakeup>(*x));
  EXPECT_EQ(std::get<revoked_wakeup>(*x).agent_id, "alice");
  EXPECT_EQ(std::get<revoked_wakeup>(*x).not_before_ms, 1700000000123);
}

TEST(Wakeup, RefusesWhatItDoesNotUnderstand) {
  for (const char* bad : {"", "e", "x|c1", "e|c1|3:se", "e||3:seq1:4", "e|c1|1:k1:1", "a|c1|alice",
                          "a|c1|alice|x", "t|c1|9|1|n", "t|c1", "r|c1|1|read|x", "c|c1|1", "q|",
                          "e|c1|", "x|alice", "x||5", "x|alice|soon"}) {
    EXPECT_FALSE(decode_wakeup(bad)) << bad;
  }
}

}  // namespace
}  // namespace lc::store
