// Issue 9's attacks against the real binary, each followed by a fresh visitor and agent who must
// still chat normally.
#include "tests/e2e/e2e_env.hpp"
#include "tests/support/redis_consistency.hpp"

namespace lc::test {
namespace {

class HostileVisitor : public e2e {
 protected:
  // After an attack, the product still works for everyone else and Redis is consistent.
  void expect_a_fresh_pair_chats(server_process& node, const std::string& agent_id) {
    for (const auto& problem : redis_inconsistencies(redis(), 50)) ADD_FAILURE() << problem;
    auto agent = connect(node);
    agent_hello(*agent, agent_token(agent_id, {"tech"}, 2));
    set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
    auto visitor = connect(node);
    visitor_hello(*visitor);
    auto conv = join(*visitor, "Fresh", "tech").conversation_id();
    ASSERT_TRUE(wait_assigned(*visitor, conv));
    ASSERT_TRUE(wait_assigned(*agent, conv));
    EXPECT_TRUE(send_text(*agent, conv, "a1", "How can I help?").has_ack());
    EXPECT_TRUE(wait_message(*visitor, conv, "How can I help?"));
    for (const auto& problem : redis_inconsistencies(redis(), 50)) ADD_FAILURE() << problem;
  }

  static pb::ErrorCode join_error(ws_client& ws, const std::string& dept, const std::string& cmid) {
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("Bot");
    j->set_department(dept);
    j->set_first_message("hi");
    j->set_client_msg_id(cmid);
    auto env = ws.request(req);
    return env.has_error() ? env.error().code() : pb::ERROR_CODE_UNSPECIFIED;
  }
};

// 20 anonymous sockets created 8,021 departments in 18 s and took the node down.
TEST_F(HostileVisitor, DepartmentsAreTheOperatorsAndUnknownOnesAreRefused) {
  auto node = start_node("n1", {"--departments", "tech,billing"});
  auto v = connect(*node);
  visitor_hello(*v);
  EXPECT_EQ(join_error(*v, "made-up", "j1"), pb::ERROR_CODE_INVALID_ARGUMENT);
  pb::ClientEnvelope offline;
  auto* o = offline.mutable_offline_message();
  o->set_display_name("Bot");
  o->set_email("b@example.org");
  o->set_department("made-up-2");
  o->set_text("spam");
  auto env = v->request(offline);
  ASSERT_TRUE(env.has_error());
  EXPECT_EQ(env.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(redis().command({"EXISTS", "lc:q:made-up"}), "0");
  EXPECT_EQ(redis().command({"EXISTS", "lc:offline:d:made-up-2"}), "0");
  // The anonymous Welcome names only the departments the widget asked about that exist.
  auto w = connect(*node);
  pb::ClientEnvelope hello;
  hello.mutable_hello()->add_departments("tech");
  hello.mutable_hello()->add_departments("secret-team");
  auto welcome = w->request(hello);
  ASSERT_TRUE(welcome.has_welcome());
  ASSERT_EQ(welcome.welcome().department_status_size(), 1);
  EXPECT_EQ(welcome.welcome().department_status(0).department(), "tech");
  expect_a_fresh_pair_chats(*node, "alice");
}

// 300 bots from one address put a real visitor at position 301.
TEST_F(HostileVisitor, OneAddressMayStartFewChatsAndHaveFewWaiting) {
  auto node = start_node("n1", {"--joins-per-minute", "3", "--max-queued-per-address", "2"});
  std::vector<std::unique_ptr<ws_client>> bots;
  std::vector<pb::ErrorCode> results;
  for (int i = 0; i < 4; ++i) {
    bots.push_back(connect(*node));
    visitor_hello(*bots.back());
    results.push_back(join_error(*bots.back(), "tech", "j" + std::to_string(i)));
  }
  EXPECT_EQ(results[0], pb::ERROR_CODE_UNSPECIFIED);
  EXPECT_EQ(results[1], pb::ERROR_CODE_UNSPECIFIED);
  EXPECT_EQ(results[2], pb::ERROR_CODE_RATE_LIMITED) << "two chats already waiting";
  EXPECT_EQ(results[3], pb::ERROR_CODE_RATE_LIMITED) << "three joins a minute";
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:tech"}), "2");
}

// 1,000 offline messages of 8 kB in 5 s went into Redis with no limit.
TEST_F(HostileVisitor, OfflineMessagesPerAddressAreBounded) {
  auto node = start_node("n1", {"--offline-messages-per-hour", "2"});
  int accepted = 0, limited = 0;
  for (int i = 0; i < 4; ++i) {
    auto v = connect(*node);  // a fresh visitor each time: the address is what counts
    visitor_hello(*v);
    pb::ClientEnvelope req;
    auto* o = req.mutable_offline_message();
    o->set_display_name("Bot");
    o->set_email("b@example.org");
    o->set_department("tech");
    o->set_text(std::string(8000, 'x'));
    auto env = v->request(req);
    accepted += env.has_ack() ? 1 : 0;
    limited += env.has_error() && env.error().code() == pb::ERROR_CODE_RATE_LIMITED ? 1 : 0;
  }
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(limited, 2);
  EXPECT_EQ(redis().command({"ZCARD", "lc:offline"}), "2");
  expect_a_fresh_pair_chats(*node, "alice");
}

// 1,501 messages of 8 kB before any agent answered made a 12 MB history per agent tab.
TEST_F(HostileVisitor, AVisitorWaitsForAnAnswerAfterABoundedNumberOfMessages) {
  auto node = start_node("n1", {"--max-messages-before-answer", "3"});
  auto v = connect(*node);
  visitor_hello(*v);
  auto conv = join(*v, "Vee", "tech").conversation_id();  // the first message is one
  EXPECT_TRUE(send_text(*v, conv, "m2", "two").has_ack());
  EXPECT_TRUE(send_text(*v, conv, "m3", "three").has_ack());
  auto refused = send_text(*v, conv, "m4", "four");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_RATE_LIMITED);
  EXPECT_TRUE(send_text(*v, conv, "m3", "three").ack().duplicate()) << "a retry is still answered";
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"tech"}, 2));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  ASSERT_TRUE(wait_assigned(*agent, conv));
  EXPECT_TRUE(send_text(*agent, conv, "a1", "Hi!").has_ack());
  EXPECT_TRUE(send_text(*v, conv, "m4", "four").has_ack()) << "after an answer the chat flows";
}

// One visitor's tabs share one allowance: a second tab is not a second budget.
TEST_F(HostileVisitor, AVisitorsTabsShareOneMessageAllowance) {
  auto node = start_node("n1", {"--messages-per-second", "3"});
  auto tab1 = connect(*node);
  auto welcome = visitor_hello(*tab1);
  auto conv = join(*tab1, "Vee", "tech").conversation_id();
  auto tab2 = connect(*node);
  visitor_hello(*tab2, welcome.visitor_token());
  int limited = 0;
  for (int i = 0; i < 4; ++i) {
    for (auto* tab : {tab1.get(), tab2.get()}) {
      auto r =
          send_text(*tab, conv, "m" + std::to_string(i) + (tab == tab1.get() ? "a" : "b"), "x");
      if (r.has_error() && r.error().code() == pb::ERROR_CODE_RATE_LIMITED) ++limited;
    }
  }
  // Each tab alone stays within its connection's burst of 6; the visitor's 8 sends do not.
  EXPECT_GE(limited, 2) << "a burst of 6 for the visitor, not 6 per tab";
  expect_a_fresh_pair_chats(*node, "alice");
}

// 500 idle sockets on an instance with 512 descriptors made /healthz fail and a legitimate pair
// time out. Idle WebSockets are displaced by newcomers and closed after the Hello deadline.
TEST_F(HostileVisitor, IdleSocketsCannotLockOutHealthChecksOrAPair) {
  auto node = start_node("n1", {"--max-connections", "30", "--hello-timeout-ms", "1500"});
  std::vector<std::unique_ptr<ws_client>> idle;
  for (int i = 0; i < 40; ++i) {
    try {
      idle.push_back(connect(*node));
    } catch (const std::exception&) {
      // a handshake may lose its place to the next newcomer
    }
  }
  EXPECT_EQ(node->get("/healthz").status, 200u);
  expect_a_fresh_pair_chats(*node, "alice");
  int closed = 0;
  for (auto& ws : idle) closed += ws->wait_closed(3s) ? 1 : 0;
  EXPECT_EQ(closed, static_cast<int>(idle.size())) << "none of them said Hello";
}

// Any agent could read the numbers of every department.
TEST_F(HostileVisitor, AgentsSeeTheStatsOfTheirOwnDepartmentsOnly) {
  auto node = start_node("n1");
  const http_headers tech{{"Authorization", "Bearer " + agent_token("alice", {"tech"}, 2)}};
  const http_headers admin{{"Authorization", "Bearer " + agent_token("root", {}, 0, true)}};
  EXPECT_EQ(node->get("/api/stats?department=billing", tech).status, 403u);
  EXPECT_EQ(node->get("/api/stats/export.csv?department=billing", tech).status, 403u);
  EXPECT_EQ(node->get("/api/stats?department=tech", tech).status, 200u);
  EXPECT_EQ(node->get("/api/stats?department=billing", admin).status, 200u);
}

// A lost laptop: the admin revokes the agent's tokens; connections close, old tokens fail.
TEST_F(HostileVisitor, RevokingAnAgentClosesTheirConnectionsAndRefusesOldTokens) {
  auto node = start_node("n1");
  const auto old_token = agent_token("alice", {"tech"}, 2);
  auto laptop = connect(*node);
  agent_hello(*laptop, old_token);
  const http_headers not_admin{{"Authorization", "Bearer " + old_token}};
  EXPECT_EQ(http_request("POST", node->host(), node->port(), "/api/agents/alice/revoke", not_admin)
                .status,
            403u);
  std::this_thread::sleep_for(5ms);  // the revocation is after the token's minting, to the ms
  const http_headers admin{{"Authorization", "Bearer " + agent_token("root", {}, 0, true)}};
  auto r = http_request("POST", node->host(), node->port(), "/api/agents/alice/revoke", admin);
  EXPECT_EQ(r.status, 200u) << r.body;
  ASSERT_TRUE(laptop->wait_closed(5s));
  EXPECT_EQ(laptop->close_code(), 1008u);
  auto again = connect(*node);
  pb::ClientEnvelope hello;
  hello.mutable_hello()->set_agent_token(old_token);
  auto env = again->request(hello);
  ASSERT_TRUE(env.has_error());
  EXPECT_EQ(env.error().code(), pb::ERROR_CODE_UNAUTHENTICATED);
  EXPECT_EQ(node->get("/api/agents", not_admin).status, 401u);
  std::this_thread::sleep_for(5ms);
  expect_a_fresh_pair_chats(*node, "alice");  // a token minted after the revocation works
}

}  // namespace
}  // namespace lc::test
