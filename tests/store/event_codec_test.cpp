#include "server/store/event_codec.hpp"

#include <gtest/gtest.h>

#include "server/core/netstring.hpp"

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

// lc_post stores a message's fields packed into one field, e; older entries spell them out.
TEST(EventCodec, UnpacksAMessagesPackedFieldsLikeSpelledOutOnes) {
  std::string body;
  for (const char* item : {"k", "1", "r", "1", "id", "v1", "n", "Ann", "t", "a: b|c", "c", "m1"}) {
    core::append_netstring(body, item);
  }
  EXPECT_EQ(body, "1:k1:11:r1:12:id2:v11:n3:Ann1:t6:a: b|c1:c2:m1");
  auto packed = event_from_fields("c1", {{"ts", "1700"}, {"e", body}});
  auto spelled = event_from_fields("c1", {{"ts", "1700"},
                                          {"k", "1"},
                                          {"r", "1"},
                                          {"id", "v1"},
                                          {"n", "Ann"},
                                          {"t", "a: b|c"},
                                          {"c", "m1"}});
  EXPECT_EQ(packed.SerializeAsString(), spelled.SerializeAsString());
  EXPECT_EQ(packed.text(), "a: b|c");
  // Nothing nests, and a malformed pack adds nothing.
  std::string nested;
  core::append_netstring(nested, "e");
  core::append_netstring(nested, body);
  EXPECT_EQ(event_from_fields("c1", {{"e", nested}}).text(), "");
  EXPECT_EQ(event_from_fields("c1", {{"e", "9:k1:1"}}).kind(),
            livechat::v1::EVENT_KIND_UNSPECIFIED);
}

TEST(EventCodec, TakesTheSeqFromAStreamEntryId) {
  EXPECT_EQ(seq_of_entry_id("0-42"), 42u);
  EXPECT_EQ(seq_of_entry_id("0-18446744073709551615"), 18446744073709551615u);
  for (const char* bad : {"", "0-", "1-42", "0-4x", "0--1", "42", "0-18446744073709551616"}) {
    EXPECT_EQ(seq_of_entry_id(bad), 0u) << bad;
  }
}

}  // namespace
}  // namespace lc::store
