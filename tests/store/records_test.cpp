// The typed records of the store port, decoded from the hashes the Functions library writes.
#include "server/store/records.hpp"

#include <gtest/gtest.h>

namespace lc::store {
namespace {

namespace pb = livechat::v1;

TEST(Records, ConversationHashDecodesIntoTypedFields) {
  auto c = decode_conversation({{"id", "c1"},
                                {"visitor", "v1"},
                                {"vname", "Ann"},
                                {"state", "assigned"},
                                {"agent", "alice"},
                                {"aname", "Alice"},
                                {"epoch", "3"},
                                {"seq", "12"},
                                {"joined", "1000"},
                                {"rating", "4"},
                                {"dept", "billing"},
                                {"unknown", "x"}},
                               {{"plan", "pro"}});
  EXPECT_EQ(c.id, "c1");
  EXPECT_EQ(c.visitor_name, "Ann");
  EXPECT_EQ(c.state, pb::CONVERSATION_STATE_ASSIGNED);
  EXPECT_EQ(c.epoch, 3u);
  EXPECT_EQ(c.seq, 12u);
  EXPECT_EQ(c.joined_ms, 1000);
  EXPECT_EQ(c.rating, 4u);
  EXPECT_EQ(c.metadata.at("plan"), "pro");
  EXPECT_EQ(decode_conversation({{"state", "queued"}}, {}).state, pb::CONVERSATION_STATE_QUEUED);
  EXPECT_EQ(decode_conversation({{"state", "closed"}}, {}).state, pb::CONVERSATION_STATE_CLOSED);
  EXPECT_EQ(decode_conversation({{"state", "?"}}, {}).state, pb::CONVERSATION_STATE_UNSPECIFIED);
}

TEST(Records, StateNamesRoundTrip) {
  for (auto s : {pb::CONVERSATION_STATE_QUEUED, pb::CONVERSATION_STATE_ASSIGNED,
                 pb::CONVERSATION_STATE_CLOSED}) {
    EXPECT_EQ(state_from_name(state_name(s)), s);
  }
  EXPECT_EQ(state_from_name("bogus"), pb::CONVERSATION_STATE_UNSPECIFIED);
}

TEST(Records, PresenceNamesRoundTrip) {
  for (auto s :
       {pb::PRESENCE_STATUS_ONLINE, pb::PRESENCE_STATUS_AWAY, pb::PRESENCE_STATUS_OFFLINE}) {
    EXPECT_EQ(presence_from_name(presence_name(s)), s);
  }
  EXPECT_EQ(presence_from_name("bogus"), pb::PRESENCE_STATUS_OFFLINE);
}

}  // namespace
}  // namespace lc::store
