// A whole conversation through real WebSocket clients and the real server binary.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_env.hpp"

namespace lc::test {
namespace {

class ChatFlow : public e2e {};

TEST_F(ChatFlow, JoinQueueMatchChatTypingReadCloseRateAndResponseTimes) {
  auto node = start_node("n1");
  auto visitor = connect(*node);
  auto welcome = visitor_hello(*visitor);
  EXPECT_EQ(welcome.role(), pb::ROLE_VISITOR);
  EXPECT_FALSE(welcome.visitor_token().empty());
  auto ack = join(*visitor, "Vera", "billing");
  const auto conv = ack.conversation_id();
  ASSERT_FALSE(conv.empty());
  EXPECT_EQ(ack.seq(), 2u);  // JOINED, then the first message

  auto q = visitor->wait_for([](const pb::ServerEnvelope& e) { return e.has_queue_status(); }, 5s);
  ASSERT_TRUE(q) << "queue position was not pushed";
  EXPECT_EQ(q->queue_status().position(), 1u);
  EXPECT_EQ(q->queue_status().agents_online(), 0u);

  // A second visitor queues behind: they see position 2.
  auto second = connect(*node);
  visitor_hello(*second);
  join(*second, "Sam", "billing", "me too", "j2");
  auto q2 = second->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_queue_status() && e.queue_status().position() == 2;
      },
      5s);
  ASSERT_TRUE(q2);
  EXPECT_EQ(q2->queue_status().queue_length(), 2u);

  auto agent = connect(*node);
  auto aw = agent_hello(*agent, agent_token("alice", {"billing"}, 1));
  EXPECT_EQ(aw.role(), pb::ROLE_AGENT);
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);

  auto assigned = wait_assigned(*agent, conv);
  ASSERT_TRUE(assigned) << "agent was not assigned the first visitor";
  EXPECT_EQ(assigned->visitor().display_name(), "Vera");
  EXPECT_EQ(assigned->visitor().email(), "visitor@example.org");
  EXPECT_EQ(assigned->visitor().page_url(), "https://shop.example.org/checkout");
  EXPECT_EQ(assigned->visitor().metadata().at("plan"), "pro");
  ASSERT_GE(assigned->history_size(), 2);
  EXPECT_EQ(assigned->history(1).text(), "Hello, I need help");
  auto vassigned = wait_assigned(*visitor, conv);
  ASSERT_TRUE(vassigned);
  EXPECT_EQ(vassigned->agent_name(), "Agent alice");
  // The second visitor moves up to position 1 once the first is assigned.
  EXPECT_TRUE(second->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_queue_status() && e.queue_status().position() == 1;
      },
      5s));

  auto sent = send_text(*agent, conv, "a1", "Hi Vera, how can I help?");
  ASSERT_TRUE(sent.has_ack()) << sent.DebugString();
  auto got = wait_message(*visitor, conv, "Hi Vera, how can I help?");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->seq(), sent.ack().seq());
  EXPECT_EQ(got->sender_role(), pb::ROLE_AGENT);

  auto reply = send_text(*visitor, conv, "v1", "My invoice is wrong");
  ASSERT_TRUE(reply.has_ack());
  EXPECT_EQ(reply.ack().seq(), sent.ack().seq() + 1);
  ASSERT_TRUE(wait_message(*agent, conv, "My invoice is wrong"));

  pb::ClientEnvelope typing;
  typing.mutable_typing()->set_conversation_id(conv);
  typing.mutable_typing()->set_typing(true);
  ASSERT_TRUE(agent->request(typing).has_ack());
  auto t = visitor->wait_for([](const pb::ServerEnvelope& e) { return e.has_typing(); }, 5s);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->typing().typing());
  EXPECT_EQ(t->typing().role(), pb::ROLE_AGENT);

  pb::ClientEnvelope read;
  read.mutable_receipt()->set_conversation_id(conv);
  read.mutable_receipt()->set_seq(got->seq());
  read.mutable_receipt()->set_kind(pb::RECEIPT_KIND_READ);
  ASSERT_TRUE(visitor->request(read).has_ack());
  auto r = agent->wait_for([](const pb::ServerEnvelope& e) { return e.has_receipt(); }, 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->receipt().seq(), got->seq());
  EXPECT_EQ(r->receipt().kind(), pb::RECEIPT_KIND_READ);

  ASSERT_TRUE(send_text(*agent, conv, "a2", "Fixed it, sorry!").has_ack());
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(visitor->request(close).has_ack());
  auto closed = agent->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_CLOSED;
      },
      5s);
  ASSERT_TRUE(closed) << "agent did not see the close";

  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(5);
  rate.mutable_rate()->set_comment("quick and kind");
  ASSERT_TRUE(visitor->request(rate).has_ack());

  // The freed slot goes to the second visitor.
  ASSERT_TRUE(wait_assigned(*agent, "", 5s));

  const lc::test::http_headers auth{
      {"Authorization", "Bearer " + agent_token("alice", {"billing"}, 1)}};
  auto detail = node->get("/api/conversations/" + conv, auth);
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_NE(detail.body.find("\"state\":\"closed\""), std::string::npos) << detail.body;
  EXPECT_NE(detail.body.find("\"rating\":5"), std::string::npos) << detail.body;
  EXPECT_EQ(detail.body.find("\"first_response_ms\":null"), std::string::npos) << detail.body;
  EXPECT_EQ(detail.body.find("\"resolution_ms\":null"), std::string::npos) << detail.body;
  EXPECT_NE(detail.body.find("\"missed\":false"), std::string::npos) << detail.body;

  // Reports read the system of record: the conversation reaches it right after the close, its
  // rating (given after the close) right after that; allow the node a moment for both.
  std::string stats;
  for (int i = 0; i < 50; ++i) {
    stats = node->get("/api/stats?department=billing", auth).body;
    if (stats.find("\"conversations_closed\":1") != std::string::npos &&
        stats.find("\"rating\":{\"count\":1") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(stats.find("\"conversations_closed\":1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"first_response\":{\"count\":1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"response\":{\"count\":2"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"rating\":{\"count\":1,\"mean\":5"), std::string::npos) << stats;

  auto csv = node->get("/api/stats/export.csv", auth);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.rfind("measure,at_ms,at,conversation_id,department,agent_id,value\n", 0), 0u);
  EXPECT_NE(csv.body.find("first_response,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(conv), std::string::npos);

  auto metrics = node->get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("livechat_messages_total{role=\"agent\"} 2"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("livechat_queue_wait_seconds_count{department=\"billing\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("livechat_first_response_seconds_count{department=\"billing\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("livechat_connected_agents 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("livechat_queue_depth{department=\"billing\"} 0"), std::string::npos);
}

TEST_F(ChatFlow, OfflineMessageWhenNoAgentIsOnline) {
  auto node = start_node("n1");
  auto visitor = connect(*node);
  visitor_hello(*visitor);
  pb::ClientEnvelope req;
  auto* m = req.mutable_offline_message();
  m->set_display_name("Olga");
  m->set_email("olga@example.org");
  m->set_department("sales");
  m->set_text("Please call me back about pricing");
  auto ack = visitor->request(req);
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();

  auto agent = connect(*node);
  agent_hello(*agent, agent_token("sid", {"sales"}, 2));
  pb::ClientEnvelope list;
  list.mutable_list_offline_messages();
  auto reply = agent->request(list);
  ASSERT_TRUE(reply.has_offline_messages()) << reply.DebugString();
  ASSERT_EQ(reply.offline_messages().messages_size(), 1);
  EXPECT_EQ(reply.offline_messages().messages(0).text(), "Please call me back about pricing");
  EXPECT_EQ(reply.offline_messages().messages(0).email(), "olga@example.org");

  auto rest = node->get("/api/offline-messages?department=sales",
                        {{"Authorization", "Bearer " + agent_token("sid", {"sales"}, 2)}});
  ASSERT_EQ(rest.status, 200);
  EXPECT_NE(rest.body.find("Please call me back about pricing"), std::string::npos);
  // An agent of another department may not read them.
  auto other = agent_token("tom", {"tech"}, 2);
  EXPECT_EQ(
      node->get("/api/offline-messages?department=sales", {{"Authorization", "Bearer " + other}})
          .status,
      403);
}

TEST_F(ChatFlow, VisitorsMatchedAtOnceAreToldOfTheirAgent) {
  // Joins arrive together on two nodes while matching runs on both: a match can land before a
  // join's reply is processed, and each visitor must still hear of it.
  auto n1 = start_node("n1");
  auto n2 = start_node("n2");
  auto agent = connect(*n2);
  agent_hello(*agent, agent_token("alice", {"billing"}, 40));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  constexpr int count = 40;
  std::vector<std::unique_ptr<ws_client>> visitors;
  for (int i = 0; i < count; ++i) {
    visitors.push_back(connect(i % 2 == 0 ? *n1 : *n2));
    visitor_hello(*visitors.back());
  }
  for (int i = 0; i < count; ++i) {
    pb::ClientEnvelope req;
    req.set_request_id(1000 + i);
    auto* j = req.mutable_join();
    j->set_display_name("V" + std::to_string(i));
    j->set_department("billing");
    j->set_first_message("hi");
    j->set_client_msg_id("j" + std::to_string(i));
    visitors[i]->send(req);
  }
  for (int i = 0; i < count; ++i) {
    auto ack = visitors[i]->wait_for([](const pb::ServerEnvelope& e) { return e.has_ack(); }, 5s);
    ASSERT_TRUE(ack) << "visitor " << i << " got no join ack";
    const auto conv = ack->ack().conversation_id();
    auto assigned = wait_assigned(*visitors[i], conv, 3s);
    ASSERT_TRUE(assigned) << "visitor " << i << " was never told of the assignment";
    EXPECT_EQ(assigned->agent_name(), "Agent alice");
    EXPECT_TRUE(visitors[i]->wait_for(
        [&](const pb::ServerEnvelope& e) {
          return e.has_event() && e.event().kind() == pb::EVENT_KIND_ASSIGNED;
        },
        3s))
        << "visitor " << i << " never got the ASSIGNED event";
  }
}

TEST_F(ChatFlow, AgentsEndpointShowsStatusLoadAndUtilisation) {
  auto node = start_node("n1");
  auto alice = connect(*node);
  agent_hello(*alice, agent_token("alice", {"billing"}, 2));
  set_presence(*alice, pb::PRESENCE_STATUS_ONLINE);
  auto bob = connect(*node);
  agent_hello(*bob, agent_token("bob", {"billing"}, 4));
  set_presence(*bob, pb::PRESENCE_STATUS_AWAY);
  auto visitor = connect(*node);
  visitor_hello(*visitor);
  auto conv = join(*visitor, "Una", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*alice, conv));

  const http_headers auth{{"Authorization", "Bearer " + agent_token("ops", {}, 1, true)}};
  auto r = node->get("/api/agents", auth);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(
      r.body.find(
          R"({"id":"alice","name":"Agent alice","status":"online","connected":true,"active":1,"capacity":2)"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("id":"bob","name":"Agent bob","status":"away")"), std::string::npos);
  EXPECT_NE(r.body.find(R"("utilisation":0.5)"), std::string::npos) << r.body;

  alice->drop();
  std::string after;
  for (int i = 0; i < 50; ++i) {
    after = node->get("/api/agents", auth).body;
    if (after.find(R"("id":"alice","name":"Agent alice","status":"reconnecting")") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(after.find(R"("id":"alice","name":"Agent alice","status":"reconnecting")"),
            std::string::npos)
      << after;
  EXPECT_EQ(node->get("/api/agents").status, 401);
}

TEST_F(ChatFlow, ReturningVisitorIsRoutedToTheirPreviousAgent) {
  auto node = start_node("n1");
  auto alice = connect(*node);
  agent_hello(*alice, agent_token("alice", {"billing"}, 5));
  set_presence(*alice, pb::PRESENCE_STATUS_ONLINE);

  auto visitor = connect(*node);
  auto token = visitor_hello(*visitor).visitor_token();
  auto first = join(*visitor, "Rita", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*alice, first));
  // alice now carries two more chats, so least-loaded matching alone would pick bob.
  for (int i = 0; i < 2; ++i) {
    auto other = connect(*node);
    visitor_hello(*other);
    auto c = join(*other, "Other", "billing", "hi", "o" + std::to_string(i)).conversation_id();
    ASSERT_TRUE(wait_assigned(*alice, c));
  }
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(first);
  ASSERT_TRUE(visitor->request(close).has_ack());

  auto bob = connect(*node);
  agent_hello(*bob, agent_token("bob", {"billing"}, 5));
  set_presence(*bob, pb::PRESENCE_STATUS_ONLINE);

  auto again = connect(*node);
  visitor_hello(*again, token);
  auto second = join(*again, "Rita", "billing", "back again", "j-again").conversation_id();
  auto assigned = wait_assigned(*again, second);
  ASSERT_TRUE(assigned);
  EXPECT_EQ(assigned->agent_id(), "alice");
  auto ctx = wait_assigned(*alice, second);
  ASSERT_TRUE(ctx);
  ASSERT_GE(ctx->visitor().previous_conversations_size(), 1);
  EXPECT_EQ(ctx->visitor().previous_conversations(0).conversation_id(), first);
}

}  // namespace
}  // namespace lc::test
