// An agent's connection drops: visitors are told, the chat waits out the grace period, and
// either the agent comes back with nothing lost or the chat is requeued and matched again.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_env.hpp"

namespace lc::test {
namespace {

class AgentLoss : public e2e {};

TEST_F(AgentLoss, DropPastGraceRequeuesToAnotherAgentWithHistory) {
  auto node = start_node("n1", {"--agent-grace-seconds", "1"});
  auto alice = connect(*node);
  agent_hello(*alice, agent_token("alice", {"billing"}, 2));
  set_presence(*alice, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*node);
  visitor_hello(*visitor);
  auto conv = join(*visitor, "Val", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*alice, conv));
  ASSERT_TRUE(send_text(*alice, conv, "a1", "checking that for you").has_ack());

  // bob comes online after alice took the chat; he is free to take it over.
  auto bob = connect(*node);
  agent_hello(*bob, agent_token("bob", {"billing"}, 2));
  set_presence(*bob, pb::PRESENCE_STATUS_ONLINE);

  alice->drop();
  auto notice = visitor->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_agent_connection() && !e.agent_connection().connected();
      },
      5s);
  ASSERT_TRUE(notice) << "visitor was not told the agent is reconnecting";
  EXPECT_EQ(notice->agent_connection().grace_seconds(), 1u);

  auto requeued = visitor->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_REQUEUED;
      },
      8s);
  ASSERT_TRUE(requeued) << "conversation was not requeued after the grace period";
  auto assigned = wait_assigned(*bob, conv, 8s);
  ASSERT_TRUE(assigned) << "conversation was not matched again";
  bool history_kept = false;
  for (const auto& e : assigned->history()) history_kept |= e.text() == "checking that for you";
  EXPECT_TRUE(history_kept);
  auto to_visitor = visitor->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_assigned() && e.assigned().agent_id() == "bob";
      },
      5s);
  EXPECT_TRUE(to_visitor) << "visitor was not told about the new agent";
}

TEST_F(AgentLoss, ReconnectWithinGraceKeepsTheChatAndLosesNothing) {
  auto node = start_node("n1", {"--agent-grace-seconds", "30"});
  auto token = agent_token("alice", {"billing"}, 2);
  auto alice = connect(*node);
  agent_hello(*alice, token);
  set_presence(*alice, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*node);
  visitor_hello(*visitor);
  auto conv = join(*visitor, "Val", "billing").conversation_id();
  auto assigned = wait_assigned(*alice, conv);
  ASSERT_TRUE(assigned);
  const auto last = assigned->history(assigned->history_size() - 1).seq();

  alice->drop();
  ASSERT_TRUE(visitor->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_agent_connection() && !e.agent_connection().connected();
      },
      5s));
  ASSERT_TRUE(send_text(*visitor, conv, "v1", "hello? anyone?").has_ack());

  auto back = connect(*node);
  agent_hello(*back, token, {{conv, last}});
  auto again = wait_assigned(*back, conv);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->history_size(), 1) << again->DebugString();
  EXPECT_EQ(again->history(0).text(), "hello? anyone?");
  EXPECT_TRUE(visitor->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_agent_connection() && e.agent_connection().connected();
      },
      5s));
  ASSERT_TRUE(send_text(*back, conv, "a2", "still here").has_ack());
  EXPECT_TRUE(wait_message(*visitor, conv, "still here"));
}

}  // namespace
}  // namespace lc::test
