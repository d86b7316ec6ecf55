#include "server/store/event_codec.hpp"

#include <gtest/gtest.h>

namespace lc::store {
namespace {

TEST(EventCodec, DecodesNetstringsIntoPairs) {
  auto f = decode_netstrings("3:seq1:71:t5:h|i:x");
  ASSERT_TRUE(f);
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].first, "seq");
  EXPECT_EQ((*f)[0].second, "7");
  EXPECT_EQ((*f)[1].second, "h|i:x");
}

TEST(EventCodec, RejectsMalformedPayloads) {
  EXPECT_FALSE(decode_netstrings("3:se"));   // truncated
  EXPECT_FALSE(decode_netstrings("x:abc"));  // not a length
  EXPECT_FALSE(decode_netstrings("3:seq"));  // odd number of items
  EXPECT_FALSE(decode_netstrings("99999999999:a"));
  EXPECT_TRUE(decode_netstrings(""));
}

TEST(EventCodec, BuildsChatEvent) {
  auto e = event_from_fields("c1", {{"seq", "4"},
                                    {"ts", "1700"},
                                    {"k", "1"},
                                    {"r", "2"},
                                    {"id", "alice"},
                                    {"t", "hi"},
                                    {"o", "n1/3"},
                                    {"k2", "x"}});
  EXPECT_EQ(e.conversation_id(), "c1");
  EXPECT_EQ(e.seq(), 4u);
  EXPECT_EQ(e.at_ms(), 1700);
  EXPECT_EQ(e.kind(), livechat::v1::EVENT_KIND_MESSAGE);
  EXPECT_EQ(e.sender_role(), livechat::v1::ROLE_AGENT);
  EXPECT_EQ(e.text(), "hi");
  auto bad = event_from_fields("c1", {{"k", "99"}, {"r", "-1"}});
  EXPECT_EQ(bad.kind(), livechat::v1::EVENT_KIND_UNSPECIFIED);
  EXPECT_EQ(bad.sender_role(), livechat::v1::ROLE_UNSPECIFIED);
}

}  // namespace
}  // namespace lc::store
