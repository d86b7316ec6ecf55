// A visitor whose network drops comes back with nothing lost and nothing duplicated.
#include <gtest/gtest.h>

#include <set>

#include "tests/e2e/e2e_env.hpp"

namespace lc::test {
namespace {

class Resume : public e2e {};

TEST_F(Resume, VisitorReconnectGetsEverythingAfterLastSeqOnceAndInOrder) {
  auto node = start_node("n1");
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"billing"}, 2));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);

  auto visitor = connect(*node);
  auto token = visitor_hello(*visitor).visitor_token();
  auto conv = join(*visitor, "Vic", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv));
  ASSERT_TRUE(send_text(*agent, conv, "a0", "hello Vic").has_ack());
  auto seen = wait_message(*visitor, conv, "hello Vic");
  ASSERT_TRUE(seen);
  const auto last_seen = seen->seq();

  // The visitor sent a message whose ack it never saw, then the network went away.
  auto before_drop = send_text(*visitor, conv, "v-lost-ack", "are you there?");
  ASSERT_TRUE(before_drop.has_ack());
  visitor->drop();
  ASSERT_TRUE(wait_message(*agent, conv, "are you there?"));
  std::vector<std::string> texts{"one", "two", "three"};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    ASSERT_TRUE(send_text(*agent, conv, "a" + std::to_string(i + 1), texts[i]).has_ack());
  }

  auto back = connect(*node);
  auto w = visitor_hello(*back, token, {{conv, last_seen}});
  EXPECT_EQ(w.open_conversation_id(), conv);
  // The widget retries its unacknowledged message with the same client id: no duplicate.
  auto retry = send_text(*back, conv, "v-lost-ack", "are you there?");
  ASSERT_TRUE(retry.has_ack());
  EXPECT_TRUE(retry.ack().duplicate());
  EXPECT_EQ(retry.ack().seq(), before_drop.ack().seq());

  auto events = drain_events(*back, conv);
  std::vector<std::string> agent_texts;
  std::set<std::uint64_t> seqs;
  std::uint64_t prev = last_seen;
  for (const auto& e : events) {
    EXPECT_GT(e.seq(), prev) << "out of order or repeated";
    prev = e.seq();
    EXPECT_TRUE(seqs.insert(e.seq()).second);
    if (e.sender_role() == pb::ROLE_AGENT) agent_texts.push_back(e.text());
  }
  EXPECT_EQ(agent_texts, texts);
  // The agent saw the visitor's message exactly once.
  auto dupes = drain_events(*agent, conv, 300ms);
  for (const auto& e : dupes) EXPECT_NE(e.text(), "are you there?");
}

TEST_F(Resume, ReloadWithoutResumePointReplaysTheWholeConversation) {
  auto node = start_node("n1");
  auto visitor = connect(*node);
  auto token = visitor_hello(*visitor).visitor_token();
  auto conv = join(*visitor, "Ana", "billing", "first words").conversation_id();
  ASSERT_TRUE(send_text(*visitor, conv, "m2", "second words").has_ack());
  visitor->close();

  auto reload = connect(*node);
  auto w = visitor_hello(*reload, token);
  ASSERT_EQ(w.open_conversation_id(), conv);
  auto events = drain_events(*reload, conv);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].kind(), pb::EVENT_KIND_JOINED);
  EXPECT_EQ(events[1].text(), "first words");
  EXPECT_EQ(events[2].text(), "second words");
  // Still queued: the position is pushed again after the reload.
  EXPECT_TRUE(
      reload->wait_for([](const pb::ServerEnvelope& e) { return e.has_queue_status(); }, 5s));
}

TEST_F(Resume, AnotherVisitorsTokenCannotOpenTheConversation) {
  auto node = start_node("n1");
  auto owner = connect(*node);
  visitor_hello(*owner);
  auto conv = join(*owner, "Owner", "billing").conversation_id();

  auto stranger = connect(*node);
  auto w = visitor_hello(*stranger, "", {{conv, 0}});
  EXPECT_TRUE(w.open_conversation_id().empty());
  EXPECT_FALSE(drain_events(*stranger, conv, 300ms).size() > 0);
  auto r = send_text(*stranger, conv, "x", "let me in");
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), pb::ERROR_CODE_NOT_FOUND);

  pb::ClientEnvelope forged;
  forged.mutable_hello()->set_visitor_token("lcv1.Zm9v.YmFy");
  auto bad = connect(*node);
  auto reply = bad->request(forged);
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), pb::ERROR_CODE_UNAUTHENTICATED);
}

}  // namespace
}  // namespace lc::test
