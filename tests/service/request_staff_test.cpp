// What only staff see of a conversation: internal notes (a transfer's included) and tags. The
// rule under test: none of it reaches the visitor by any path (live, resume, catch-up).
#include <gtest/gtest.h>

#include "tests/service/staff_suite.hpp"

namespace lc::test {
namespace {

class Staff : public staff_suite {};

TEST_F(Staff, ANoteReachesTheAgentsTabsButNeverTheVisitorLiveOrOnResume) {
  auto c = assigned_chat();
  auto tab2 = env().connect();
  tab2->hello_agent("alice", {"billing"}, 3);
  ASSERT_TRUE(tab2->wait_assigned(c.conv));
  auto ack = c.agent->request(note(c.conv, "n1", "VIP, be nice"));
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
  const auto note_seq = ack.ack().seq();
  auto answer = c.agent->send_text(c.conv, "m1", "How can I help?");
  ASSERT_TRUE(answer.has_ack());
  EXPECT_EQ(answer.ack().seq(), note_seq + 1);

  auto in_tab2 = tab2->wait_for([&](const pb::ServerEnvelope& e) {
    return e.has_event() && e.event().kind() == pb::EVENT_KIND_NOTE;
  });
  ASSERT_TRUE(in_tab2);
  EXPECT_EQ(in_tab2->event().text(), "VIP, be nice");
  EXPECT_EQ(in_tab2->event().sender_id(), "alice");

  ASSERT_TRUE(c.visitor->wait_message(c.conv, "How can I help?"));
  EXPECT_FALSE(has_staff_only(c.visitor->events(c.conv)));

  // A reload from the start of the conversation: the whole stream again, the note left out.
  c.visitor.reset();
  auto again = env().connect();
  again->hello_visitor(c.token, {{c.conv, 0}});
  ASSERT_TRUE(again->wait_message(c.conv, "How can I help?"));
  again->events(c.conv);  // the rest
  for (const auto& f : again->inbox()) {
    EXPECT_FALSE(f.has_event() && f.event().kind() == pb::EVENT_KIND_NOTE) << f.DebugString();
  }

  // The agent who reloads gets it in the Assigned history.
  c.agent.reset();
  tab2.reset();
  auto console = env().connect();
  console->hello_agent("alice", {"billing"}, 3);
  auto assigned = console->wait_assigned(c.conv);
  ASSERT_TRUE(assigned);
  bool found = false;
  for (const auto& e : assigned->history()) found |= e.kind() == pb::EVENT_KIND_NOTE;
  EXPECT_TRUE(found);
  EXPECT_NE(env().service().metrics().render().find("livechat_notes_total 1\n"), std::string::npos);
}

TEST_F(Staff, AVisitorMayNotWriteANote) {
  auto c = assigned_chat();
  auto r = c.visitor->request(note(c.conv, "n1", "I am staff, honest"));
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), pb::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(r.error().request_id(), r.request_id());
  EXPECT_EQ(redis().command({"XLEN", "lc:conv:" + c.conv + ":s"}), "3") << "nothing stored";
}

TEST_F(Staff, ASupervisorWhispersIntoTheirDepartmentsChatsOnly) {
  auto c = assigned_chat();
  auto sam = supervisor("sam", {"billing"});
  auto r = sam->request(note(c.conv, "w1", "offer the refund"));
  ASSERT_TRUE(r.has_ack()) << r.DebugString();
  auto whisper = c.agent->wait_for([&](const pb::ServerEnvelope& e) {
    return e.has_event() && e.event().kind() == pb::EVENT_KIND_NOTE;
  });
  ASSERT_TRUE(whisper);
  EXPECT_EQ(whisper->event().sender_id(), "sam");
  EXPECT_FALSE(has_staff_only(c.visitor->events(c.conv)));

  auto other = supervisor("tess", {"tech"});
  auto refused = other->request(note(c.conv, "w2", "not my department"));
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_NOT_FOUND);
  // An agent who does not hold the chat is no supervisor.
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 3);
  auto not_his = bob->request(note(c.conv, "b1", "hi"));
  ASSERT_TRUE(not_his.has_error());
  EXPECT_EQ(not_his.error().code(), pb::ERROR_CODE_NOT_FOUND);
}

TEST_F(Staff, ATransferNoteGoesToTheNextAgentAndNotToTheVisitor) {
  auto c = assigned_chat();
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 3);
  bob->presence(pb::PRESENCE_STATUS_ONLINE);
  pb::ClientEnvelope t;
  t.mutable_transfer()->set_conversation_id(c.conv);
  t.mutable_transfer()->set_to_agent_id("bob");
  t.mutable_transfer()->set_note("wants a refund for order 42");
  ASSERT_TRUE(c.agent->request(t).has_ack());
  auto assigned = bob->wait_assigned(c.conv);
  ASSERT_TRUE(assigned);
  bool found = false;
  for (const auto& e : assigned->history()) {
    if (e.kind() == pb::EVENT_KIND_NOTE) {
      found = true;
      EXPECT_EQ(e.text(), "wants a refund for order 42");
      EXPECT_EQ(e.sender_id(), "alice");
    }
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(c.visitor->wait_for([](const auto& e) { return e.has_assigned(); }));
  for (const auto& f : c.visitor->inbox()) {
    EXPECT_EQ(f.DebugString().find("order 42"), std::string::npos) << f.DebugString();
  }
  for (const auto& e : c.visitor->events(c.conv)) {
    EXPECT_EQ(e.text().find("order 42"), std::string::npos) << e.DebugString();
  }
}

TEST_F(Staff, TagsAreSetByTheAgentAndShownToStaffOnly) {
  auto c = assigned_chat();
  pb::ClientEnvelope req;
  req.mutable_set_tags()->set_conversation_id(c.conv);
  req.mutable_set_tags()->add_tags("refund");
  req.mutable_set_tags()->add_tags("vip");
  auto ack = c.agent->request(req);
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
  auto tab2 = env().connect();
  tab2->hello_agent("alice", {"billing"}, 3);
  auto assigned = tab2->wait_assigned(c.conv);
  ASSERT_TRUE(assigned);
  ASSERT_FALSE(assigned->history().empty());
  EXPECT_EQ(assigned->history().rbegin()->kind(), pb::EVENT_KIND_TAGGED);
  EXPECT_EQ(assigned->history().rbegin()->text(), "refund,vip");
  ASSERT_TRUE(c.agent->send_text(c.conv, "m1", "tagged").has_ack());
  ASSERT_TRUE(c.visitor->wait_message(c.conv, "tagged"));
  EXPECT_FALSE(has_staff_only(c.visitor->events(c.conv)));

  auto bad = req;
  bad.mutable_set_tags()->add_tags("Not A Tag");
  auto refused = c.agent->request(bad);
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  auto visitor_try = c.visitor->request(req);
  ASSERT_TRUE(visitor_try.has_error());
  EXPECT_EQ(visitor_try.error().code(), pb::ERROR_CODE_FORBIDDEN);
}

TEST_F(Staff, ASupervisorMonitorsALiveChatFromItsStartAndSeesWhatFollows) {
  auto c = assigned_chat();
  auto sam = supervisor("sam", {"billing"});
  pb::ClientEnvelope watch;
  watch.mutable_watch()->set_conversation_id(c.conv);
  ASSERT_TRUE(sam->request(watch).has_ack());
  ASSERT_TRUE(sam->wait_message(c.conv, "hello")) << "the history first";
  ASSERT_TRUE(c.visitor->send_text(c.conv, "v2", "still there?").has_ack());
  ASSERT_TRUE(sam->wait_message(c.conv, "still there?", 3s));
  // A whisper and tags from the watching supervisor (a follow, but not their chat).
  auto whisper = sam->request(note(c.conv, "w1", "offer the refund"));
  ASSERT_TRUE(whisper.has_ack()) << whisper.DebugString();
  ASSERT_TRUE(c.agent->wait_for([&](const pb::ServerEnvelope& e) {
    return e.has_event() && e.event().kind() == pb::EVENT_KIND_NOTE &&
           e.event().sender_id() == "sam";
  }));
  pb::ClientEnvelope tags;
  tags.mutable_set_tags()->set_conversation_id(c.conv);
  tags.mutable_set_tags()->add_tags("vip");
  auto tagged = sam->request(tags);
  ASSERT_TRUE(tagged.has_ack()) << tagged.DebugString();
  // Read-only: a message in the agent's place is refused by the store.
  auto posted = sam->send_text(c.conv, "s1", "I am not the agent");
  EXPECT_TRUE(posted.has_error()) << posted.DebugString();
  // Stop, and nothing more comes.
  watch.mutable_watch()->set_stop(true);
  ASSERT_TRUE(sam->request(watch).has_ack());
  ASSERT_TRUE(c.agent->send_text(c.conv, "a1", "after the stop").has_ack());
  env().run_for(1500ms);
  for (const auto& e : sam->events(c.conv)) EXPECT_NE(e.text(), "after the stop");

  auto tess = supervisor("tess", {"tech"});
  watch.mutable_watch()->set_stop(false);
  auto other = tess->request(watch);
  ASSERT_TRUE(other.has_error());
  EXPECT_EQ(other.error().code(), pb::ERROR_CODE_NOT_FOUND);
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 3);
  auto agent_try = bob->request(watch);
  ASSERT_TRUE(agent_try.has_error());
  EXPECT_EQ(agent_try.error().code(), pb::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace lc::test
