// Two server processes share one Redis and match at the same time: the atomic matching
// function must never assign a conversation twice or put an agent over capacity.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/wait.h>

#include <csignal>
#include <map>

#include "server/app/redis_launcher.hpp"
#include "tests/e2e/e2e_env.hpp"

namespace lc::test {
namespace {

class MultiNode : public e2e {};

TEST_F(MultiNode, ConcurrentMatchingAcrossNodesRespectsCapacityAndAssignsOnce) {
  auto n1 = start_node("n1");
  auto n2 = start_node("n2");
  constexpr int visitors_per_node = 15;
  std::vector<std::unique_ptr<ws_client>> visitors;
  std::vector<std::string> convs;
  for (int i = 0; i < 2 * visitors_per_node; ++i) {
    auto& node = i % 2 == 0 ? *n1 : *n2;
    visitors.push_back(connect(node));
    visitor_hello(*visitors.back());
    convs.push_back(
        join(*visitors.back(), "V" + std::to_string(i), "billing", "hi", "j" + std::to_string(i))
            .conversation_id());
  }
  // Three agents with two slots each come online on both nodes at once.
  std::vector<std::unique_ptr<ws_client>> agents;
  std::vector<std::string> ids{"alice", "bob", "carol"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    agents.push_back(connect(i % 2 == 0 ? *n1 : *n2));
    agent_hello(*agents.back(), agent_token(ids[i], {"billing"}, 2));
  }
  for (auto& a : agents) {
    pb::ClientEnvelope req;
    req.mutable_presence()->set_status(pb::PRESENCE_STATUS_ONLINE);
    a->send(req);
  }
  // Settle: bounded wait until six are assigned.
  for (int i = 0; i < 100 && redis().command({"ZCARD", "lc:q:billing"}) != "24"; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(500ms);  // let any over-eager extra match show itself
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "24");

  std::map<std::string, int> assigned_to;
  int assigned = 0, queued = 0;
  for (const auto& c : convs) {
    auto events = redis().command_list({"XRANGE", "lc:conv:" + c + ":s", "-", "+"});
    auto state = redis().command({"HGET", "lc:conv:" + c, "state"});
    int assignments = 0;
    for (const auto& e : events) assignments += e.find("k, 3,") != std::string::npos;
    EXPECT_LE(assignments, 1) << c << " assigned twice";
    if (state == "assigned") {
      ++assigned;
      ++assigned_to[redis().command({"HGET", "lc:conv:" + c, "agent"})];
    } else if (state == "queued") {
      ++queued;
    }
  }
  EXPECT_EQ(assigned, 6);
  EXPECT_EQ(assigned + queued, 2 * visitors_per_node) << "every visitor assigned or queued";
  for (const auto& id : ids) {
    EXPECT_LE(assigned_to[id], 2) << id << " over capacity";
    EXPECT_EQ(redis().command({"HGET", "lc:agent:" + id, "active"}),
              std::to_string(assigned_to[id]));
  }
  // Every assigned visitor heard about it on whichever node they are connected to.
  int told = 0;
  for (auto& v : visitors) told += wait_assigned(*v, "", 200ms).has_value();
  EXPECT_EQ(told, 6);
}

TEST_F(MultiNode, SigtermDrainsSendsClientsElsewhereAndReleasesTheLease) {
  auto n1 = start_node("n1");
  auto n2 = start_node("n2");
  auto agent = connect(*n2);
  agent_hello(*agent, agent_token("alice", {"billing"}, 1));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*n1);
  auto token = visitor_hello(*visitor).visitor_token();
  auto conv = join(*visitor, "Dee", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv));
  auto sent = send_text(*visitor, conv, "v1", "before the drain");
  ASSERT_TRUE(sent.has_ack());
  ASSERT_TRUE(send_text(*agent, conv, "a1", "reply one").has_ack());
  auto seen = wait_message(*visitor, conv, "reply one");
  ASSERT_TRUE(seen);
  EXPECT_EQ(redis().command({"EXISTS", "lc:node:n1"}), "1");

  n1->kill(SIGTERM);
  auto told = visitor->wait_for([](const pb::ServerEnvelope& e) { return e.has_reconnect(); }, 5s);
  EXPECT_TRUE(told) << "clients must be told to reconnect";
  ASSERT_TRUE(visitor->wait_closed(5s));
  EXPECT_EQ(visitor->close_code(), 1012);
  auto status = n1->wait_exit(10s);
  ASSERT_TRUE(status) << "the node did not exit after draining";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(redis().command({"EXISTS", "lc:node:n1"}), "0") << "the lease was not released";

  // Meanwhile the agent wrote again; the visitor resumes on the other node with nothing lost.
  ASSERT_TRUE(send_text(*agent, conv, "a2", "reply two").has_ack());
  auto back = connect(*n2);
  visitor_hello(*back, token, {{conv, seen->seq()}});
  EXPECT_TRUE(wait_message(*back, conv, "reply two"));
  EXPECT_TRUE(send_text(*back, conv, "v2", "after the drain").has_ack());
  EXPECT_TRUE(wait_message(*agent, conv, "after the drain"));
}

TEST_F(MultiNode, NodeWithoutRedisSendsWebSocketClientsElsewhere) {
  server_options o;
  o.binary = LIVECHAT_BINARY;
  // A socket path nobody listens on: Redis is simply not there.
  o.args = {"--redis",     "unix:///tmp/lc-no-redis-" + std::to_string(::getpid()) + ".sock",
            "--secret",    test_secret,
            "--log-level", "error"};
  auto orphan = server_process::start(o);  // alive (/healthz) but never ready
  EXPECT_EQ(orphan->get("/readyz").status, 503);
  auto ws = connect(*orphan);
  ASSERT_TRUE(ws->wait_closed(5s));
  EXPECT_EQ(ws->close_code(), 1013);
}

TEST_F(MultiNode, VisitorAndAgentOnDifferentNodesChat) {
  auto n1 = start_node("n1");
  auto n2 = start_node("n2");
  auto agent = connect(*n1);
  agent_hello(*agent, agent_token("alice", {"billing"}, 1));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*n2);
  visitor_hello(*visitor);
  auto conv = join(*visitor, "Nora", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv));
  ASSERT_TRUE(wait_assigned(*visitor, conv));
  ASSERT_TRUE(send_text(*agent, conv, "a1", "from node one").has_ack());
  EXPECT_TRUE(wait_message(*visitor, conv, "from node one"));
  ASSERT_TRUE(send_text(*visitor, conv, "v1", "from node two").has_ack());
  EXPECT_TRUE(wait_message(*agent, conv, "from node two"));
}

}  // namespace
}  // namespace lc::test
