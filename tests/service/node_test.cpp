// The node's periodic work and its life in the cluster: lease, fencing, sweeps, drain.
#include "server/service/node.hpp"

#include <gtest/gtest.h>

#include "tests/service/service_env.hpp"

namespace lc::test {
namespace {

class Node : public redis_suite {};

TEST_F(Node, DrainTellsClientsToReconnectThenReleasesTheLease) {
  service_env env(redis());
  auto v = env.connect();
  v->hello_visitor();
  ASSERT_NE(redis().command({"GET", "lc:node:n1"}), "(nil)");
  env.service().drain();
  EXPECT_TRUE(v->wait_for([](const auto& e) { return e.has_reconnect(); }));
  EXPECT_TRUE(env.run_until([&] { return v->link().closing(); }));
  EXPECT_EQ(v->link().close_code(), 1012);
  EXPECT_FALSE(env.service().ready());
  // A connection that arrives now is sent elsewhere at once.
  auto late = env.connect();
  EXPECT_TRUE(late->link().closing());
  EXPECT_EQ(late->link().close_code(), 1013);
  bool done = false;
  env.service().finish_drain(2s, [&] { done = true; });
  ASSERT_TRUE(env.run_until([&] { return done; }));
  EXPECT_EQ(redis().command({"EXISTS", "lc:node:n1"}), "0");
  // Drained users are handed over, not put into grace by this node.
  EXPECT_EQ(redis().command({"ZCARD", "lc:grace:visitors"}), "0");
}

TEST_F(Node, ANodeThatLostItsLeaseDropsItsClientsAndRejoinsUnderANewEpoch) {
  service_env env(redis());
  auto agent = env.connect();
  agent->hello_agent("alice", {"billing"}, 1);
  const auto old_epoch = redis().command({"GET", "lc:node:n1"});
  // As after a pause past the TTL: the lease is gone (another holder took the name).
  redis().command({"SET", "lc:node:n1", "999999"});
  ASSERT_TRUE(env.run_until([&] { return agent->link().closing(); }, 5s));
  EXPECT_EQ(agent->link().close_code(), 1012);
  ASSERT_TRUE(env.run_until([&] {
    auto now = redis().command({"GET", "lc:node:n1"});
    return now != "999999" && now != old_epoch && now != "(nil)";
  }));
  ASSERT_TRUE(env.run_until([&] { return env.service().ready(); }));
  auto fresh = env.connect();
  EXPECT_EQ(fresh->hello_agent("alice", {"billing"}, 1).user_id(), "alice");
}

TEST_F(Node, AnAgentGonePastTheGraceHasTheirChatsRequeuedAndMatchedElsewhere) {
  service_env env(redis(), "n1", [](auto& o) { o.agent_grace = 300ms; });
  auto alice = env.connect();
  alice->hello_agent("alice", {"billing"}, 1);
  alice->presence(pb::PRESENCE_STATUS_ONLINE);
  auto v = env.connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  ASSERT_TRUE(alice->wait_assigned(conv));
  alice->link().reset();
  auto notice = v->wait_for([](const auto& e) { return e.has_agent_connection(); });
  ASSERT_TRUE(notice);
  EXPECT_FALSE(notice->agent_connection().connected());
  auto bob = env.connect();
  bob->hello_agent("bob", {"billing"}, 1);
  bob->presence(pb::PRESENCE_STATUS_ONLINE);
  auto taken = bob->wait_assigned(conv, 5s);
  ASSERT_TRUE(taken) << "the sweep did not requeue the chat";
  bool requeued = false;
  for (const auto& e : taken->history()) requeued |= e.kind() == pb::EVENT_KIND_REQUEUED;
  EXPECT_TRUE(requeued);
}

// Automatic reassignment: a chat its agent leaves unanswered goes to another agent, not before
// the deadline and within a tick after it, and the silent agent is set away.
TEST_F(Node, AChatNotAnsweredInTimeGoesToAnotherAgentAndTheSilentOneIsSetAway) {
  service_env env(redis(), "n1", [](auto& o) {
    o.reassign_after = 800ms;
    o.tick = 100ms;
  });
  auto alice = env.connect();
  alice->hello_agent("alice", {"billing"}, 1);
  alice->presence(pb::PRESENCE_STATUS_ONLINE);
  auto v = env.connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  ASSERT_TRUE(alice->wait_assigned(conv));
  const auto assigned_at = std::chrono::steady_clock::now();
  auto bob = env.connect();
  bob->hello_agent("bob", {"billing"}, 1);
  bob->presence(pb::PRESENCE_STATUS_ONLINE);
  auto taken = bob->wait_assigned(conv, 5s);
  const auto waited = std::chrono::steady_clock::now() - assigned_at;
  ASSERT_TRUE(taken) << "the unanswered chat stayed with alice";
  EXPECT_GE(waited, 700ms) << "reassigned before the deadline";
  EXPECT_LT(waited, 2500ms);
  EXPECT_TRUE(alice->wait_for([&](const auto& e) {
    return e.has_unassigned() && e.unassigned().conversation_id() == conv;
  }));
  EXPECT_EQ(redis().command({"HGET", "lc:agent:alice", "status"}), "away");
  EXPECT_NE(env.service().metrics().render().find(
                "livechat_reassigned_total{department=\"billing\"} 1\n"),
            std::string::npos);

  // bob answers: the chat stays with him however long it then waits.
  ASSERT_TRUE(bob->send_text(conv, "b1", "Hi, I am here").has_ack());
  env.run_for(1500ms);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + conv, "agent"}), "bob");
}

TEST_F(Node, AVisitorGonePastTheGraceHasTheChatClosedAndLeftToTheArchive) {
  service_env env(redis(), "n1", [](auto& o) { o.visitor_grace = 200ms; });
  auto v = env.connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  v->link().reset();
  ASSERT_TRUE(env.run_until([&] {
    return redis().command({"HGET", "lc:conv:" + conv, "state"}) == "closed";
  }));
  EXPECT_NE(redis().command({"ZSCORE", "lc:archive:pending", conv}), "(nil)");
}

}  // namespace
}  // namespace lc::test
