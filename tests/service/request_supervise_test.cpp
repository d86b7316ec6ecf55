// Supervision over the protocol: a supervisor monitors a live chat (its agent is told, its
// visitor never), barges in (the visitor sees them join and hears them), takes a chat over,
// assigns it to a colleague and picks a waiting visitor by hand.
#include <gtest/gtest.h>

#include "tests/service/staff_suite.hpp"

namespace lc::test {
namespace {

class Supervise : public staff_suite {
 protected:
  static pb::ClientEnvelope barge_in(const std::string& conv) {
    pb::ClientEnvelope req;
    req.mutable_barge_in()->set_conversation_id(conv);
    return req;
  }
  static pb::ClientEnvelope move_to(const std::string& conv, const std::string& agent) {
    pb::ClientEnvelope req;
    req.mutable_transfer()->set_conversation_id(conv);
    req.mutable_transfer()->set_to_agent_id(agent);
    return req;
  }
  static auto event_of(pb::EventKind kind, const std::string& sender) {
    return [kind, sender](const pb::ServerEnvelope& e) {
      return e.has_event() && e.event().kind() == kind && e.event().sender_id() == sender;
    };
  }
};

TEST_F(Supervise, ASupervisorWhoBargesInIsSeenAndHeardByTheVisitorAndHearsThem) {
  auto c = assigned_chat();
  auto sam = supervisor("sam", {"billing"});
  pb::ClientEnvelope watch;
  watch.mutable_watch()->set_conversation_id(c.conv);
  ASSERT_TRUE(sam->request(watch).has_ack());
  ASSERT_TRUE(c.agent->wait_for(event_of(pb::EVENT_KIND_MONITORED, "sam")))
      << "the agent knows who is watching";

  auto joined = sam->request(barge_in(c.conv));
  ASSERT_TRUE(joined.has_ack()) << joined.DebugString();
  auto seen = c.visitor->wait_for(event_of(pb::EVENT_KIND_BARGED_IN, "sam"));
  ASSERT_TRUE(seen);
  EXPECT_FALSE(seen->event().sender_name().empty());
  ASSERT_TRUE(sam->send_text(c.conv, "s1", "Hi, I am the team lead").has_ack());
  auto heard = c.visitor->wait_for([](const pb::ServerEnvelope& e) {
    return e.has_event() && e.event().text() == "Hi, I am the team lead";
  });
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->event().sender_role(), pb::ROLE_SUPERVISOR);
  EXPECT_TRUE(c.agent->wait_message(c.conv, "Hi, I am the team lead"));
  ASSERT_TRUE(c.visitor->send_text(c.conv, "v2", "thanks both").has_ack());
  EXPECT_TRUE(sam->wait_message(c.conv, "thanks both", 3s));
  EXPECT_FALSE(has_staff_only(c.visitor->events(c.conv))) << "MONITORED is staff only";

  auto tess = supervisor("tess", {"tech"});
  auto other = tess->request(barge_in(c.conv));
  ASSERT_TRUE(other.has_error());
  EXPECT_EQ(other.error().code(), pb::ERROR_CODE_NOT_FOUND);
  EXPECT_TRUE(tess->send_text(c.conv, "t1", "not mine").has_error());
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 3);
  auto agent_try = bob->request(barge_in(c.conv));
  ASSERT_TRUE(agent_try.has_error());
  EXPECT_EQ(agent_try.error().code(), pb::ERROR_CODE_FORBIDDEN);
}

TEST_F(Supervise, ASupervisorTakesAChatOverAndAssignsItToAColleague) {
  auto c = assigned_chat();
  auto sam = supervisor("sam", {"billing"});
  // Watching it first, as a console does: the watch becomes the chat they hold.
  pb::ClientEnvelope watch;
  watch.mutable_watch()->set_conversation_id(c.conv);
  ASSERT_TRUE(sam->request(watch).has_ack());
  ASSERT_TRUE(sam->wait_message(c.conv, "hello"));
  auto taken = sam->request(move_to(c.conv, "sam"));
  ASSERT_TRUE(taken.has_ack()) << taken.DebugString();
  ASSERT_TRUE(sam->wait_assigned(c.conv));
  EXPECT_TRUE(c.agent->wait_for([&](const pb::ServerEnvelope& e) {
    return e.has_unassigned() && e.unassigned().conversation_id() == c.conv;
  }));
  ASSERT_TRUE(sam->send_text(c.conv, "s1", "I will take it from here").has_ack());
  EXPECT_TRUE(c.visitor->wait_message(c.conv, "I will take it from here"));

  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 3);
  auto away = sam->request(move_to(c.conv, "bob"));
  ASSERT_TRUE(away.has_error()) << "bob has not gone online";
  EXPECT_EQ(away.error().code(), pb::ERROR_CODE_CONFLICT);
  bob->presence(pb::PRESENCE_STATUS_ONLINE);
  ASSERT_TRUE(sam->request(move_to(c.conv, "bob")).has_ack());
  EXPECT_TRUE(bob->wait_assigned(c.conv));
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c.conv, "agent"}), "bob");
}

TEST_F(Supervise, ASupervisorPicksAWaitingVisitorByHand) {
  auto sam = supervisor("sam", {"billing"});
  auto v = env().connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  env().run_for(200ms);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + conv, "state"}), "queued") << "nobody online";
  auto picked = sam->request(move_to(conv, "sam"));
  ASSERT_TRUE(picked.has_ack()) << picked.DebugString();
  ASSERT_TRUE(sam->wait_assigned(conv));
  EXPECT_TRUE(v->wait_for([](const pb::ServerEnvelope& e) { return e.has_assigned(); }));
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "0");

  // An agent may not pick: only their own chats move.
  auto v2 = env().connect();
  v2->hello_visitor();
  auto waiting = v2->join("Val").conversation_id();
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 3);
  auto refused = bob->request(move_to(waiting, "bob"));
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_NOT_FOUND);
}

}  // namespace
}  // namespace lc::test
