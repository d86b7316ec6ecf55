// The defects found in the first round, reproduced over real WebSockets against the real binary:
// each of these failed before the service was rebuilt (see issue 8).
#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/e2e_env.hpp"
#include "tests/support/lc_calls.hpp"

namespace lc::test {
namespace {

class DeliveryPromises : public e2e {
 protected:
  // A visitor whose conversation alice holds; returns {visitor, token, conversation}.
  struct chat {
    std::unique_ptr<ws_client> visitor;
    std::string token, conv;
  };
  chat assigned_chat(server_process& node, ws_client& agent, const std::string& name = "Vic") {
    chat c;
    c.visitor = connect(node);
    c.token = visitor_hello(*c.visitor).visitor_token();
    c.conv = join(*c.visitor, name, "billing").conversation_id();
    EXPECT_TRUE(wait_assigned(agent, c.conv));
    return c;
  }

  static std::uint64_t metric(const server_process& node, const std::string& series) {
    auto body = node.get("/metrics").body;
    auto at = body.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(body.substr(at + series.size() + 2));
  }

  // Events of `conv` until `until` is seen (inclusive) or `t` passes.
  static std::vector<pb::ChatEvent> events_until(ws_client& ws, const std::string& conv,
                                                 pb::EventKind until,
                                                 std::chrono::milliseconds t = 5s) {
    std::vector<pb::ChatEvent> out;
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < deadline) {
      auto env = ws.wait_for(
          [&](const pb::ServerEnvelope& e) {
            return e.has_event() && e.event().conversation_id() == conv;
          },
          200ms);
      if (!env) continue;
      out.push_back(env->event());
      if (env->event().kind() == until) break;
    }
    return out;
  }
};

// Defect 1: Join, then a TCP reset before the reply. The first server died with a
// use-after-free (a follow registered for a session already gone) within 5-200 cycles.
TEST_F(DeliveryPromises, ResetsBeforeTheJoinReplyNeverCrashTheServer) {
  auto node = start_node("n1");
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"billing"}, 50));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  std::string token;
  for (int i = 0; i < 200; ++i) {
    auto v = connect(*node);
    if (i % 4 == 3 && !token.empty()) {
      // A resume Hello followed by a reset, with the conversation a reset join left behind.
      pb::ClientEnvelope hello;
      hello.mutable_hello()->set_visitor_token(token);
      v->send(hello);
      v->reset();
      continue;
    }
    auto w = visitor_hello(*v);
    token = w.visitor_token();
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("x");
    j->set_department("billing");
    j->set_first_message("hi");
    j->set_client_msg_id("m");
    req.set_request_id(2);
    v->send(req);
    v->reset();
  }
  ASSERT_TRUE(node->running()) << node->log_tail();
  EXPECT_EQ(node->get("/healthz").status, 200u);
  // Everyone else is fine: a fresh visitor and agent chat (in a department the abandoned joins
  // did not fill), and alice still holds at most her capacity.
  auto bob = connect(*node);
  agent_hello(*bob, agent_token("bob", {"tech"}, 2));
  set_presence(*bob, pb::PRESENCE_STATUS_ONLINE);
  auto fresh = connect(*node);
  visitor_hello(*fresh);
  auto conv = join(*fresh, "Fresh", "tech").conversation_id();
  ASSERT_TRUE(wait_assigned(*bob, conv));
  ASSERT_TRUE(send_text(*bob, conv, "b1", "still here").has_ack());
  EXPECT_TRUE(wait_message(*fresh, conv, "still here"));
  EXPECT_LE(std::stoi(redis().command({"HGET", "lc:agent:alice", "active"})), 50);
  EXPECT_TRUE(agent->is_open());
}

// Defect 2: the visitor drops, the agent answers and closes, the visitor comes back with its
// resume point: it gets the answer and CLOSED, in order, once.
TEST_F(DeliveryPromises, AVisitorBackAfterTheCloseGetsTheLastAnswerAndTheClose) {
  auto node = start_node("n1");
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"billing"}, 2));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto c = assigned_chat(*node, *agent);
  auto sent = send_text(*c.visitor, c.conv, "v1", "my order is late");
  ASSERT_TRUE(sent.has_ack());
  const auto s = sent.ack().seq();
  c.visitor->drop();
  ASSERT_TRUE(wait_message(*agent, c.conv, "my order is late"));
  ASSERT_TRUE(send_text(*agent, c.conv, "a1", "it ships today").has_ack());
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(c.conv);
  ASSERT_TRUE(agent->request(close).has_ack());

  auto back = connect(*node);
  auto w = visitor_hello(*back, c.token, {{c.conv, s}});
  EXPECT_TRUE(w.open_conversation_id().empty()) << "the chat is closed";
  auto events = events_until(*back, c.conv, pb::EVENT_KIND_CLOSED);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].text(), "it ships today");
  EXPECT_EQ(events[0].seq(), s + 1);
  EXPECT_EQ(events[1].kind(), pb::EVENT_KIND_CLOSED);
  EXPECT_EQ(events[1].seq(), s + 2);
  EXPECT_TRUE(drain_events(*back, c.conv, 300ms).empty()) << "delivered once";
  // The rating prompt can follow.
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(c.conv);
  rate.mutable_rate()->set_rating(5);
  EXPECT_TRUE(back->request(rate).has_ack());
}

// Defect 2, mirrored: the agent drops during their grace, the visitor writes and closes, the
// agent's console comes back with its resume point.
TEST_F(DeliveryPromises, AnAgentBackAfterTheCloseGetsTheVisitorsLastWordsAndTheClose) {
  auto node = start_node("n1");
  const auto token = agent_token("alice", {"billing"}, 2);
  auto agent = connect(*node);
  agent_hello(*agent, token);
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto c = assigned_chat(*node, *agent);
  auto hi = send_text(*agent, c.conv, "a1", "how can I help?");
  ASSERT_TRUE(hi.has_ack());
  const auto s = hi.ack().seq();
  agent->drop();
  ASSERT_TRUE(wait_message(*c.visitor, c.conv, "how can I help?"));
  ASSERT_TRUE(send_text(*c.visitor, c.conv, "v1", "never mind, thanks").has_ack());
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(c.conv);
  ASSERT_TRUE(c.visitor->request(close).has_ack());

  auto back = connect(*node);
  agent_hello(*back, token, {{c.conv, s}});
  auto events = events_until(*back, c.conv, pb::EVENT_KIND_CLOSED);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].text(), "never mind, thanks");
  EXPECT_EQ(events[1].kind(), pb::EVENT_KIND_CLOSED);
  EXPECT_TRUE(drain_events(*back, c.conv, 300ms).empty());
}

// Defect 3: a retried Join is idempotent, as the .proto promises, on the same connection and
// after reconnecting with the token.
TEST_F(DeliveryPromises, ARetriedJoinIsAcknowledgedWithTheSameConversation) {
  auto node = start_node("n1");
  auto v = connect(*node);
  auto token = visitor_hello(*v).visitor_token();
  auto first = join(*v, "Vic", "billing", "hello", "join-7");
  auto again = join(*v, "Vic", "billing", "hello", "join-7");
  EXPECT_EQ(again.conversation_id(), first.conversation_id());
  EXPECT_EQ(again.seq(), first.seq());
  EXPECT_TRUE(again.duplicate());
  v->drop();
  auto back = connect(*node);
  visitor_hello(*back, token);
  auto after = join(*back, "Vic", "billing", "hello", "join-7");
  EXPECT_EQ(after.conversation_id(), first.conversation_id());
  EXPECT_EQ(after.seq(), first.seq());
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "1");
  // A different join while one is open is still refused.
  pb::ClientEnvelope other;
  auto* j = other.mutable_join();
  j->set_display_name("Vic");
  j->set_department("billing");
  j->set_first_message("another thing");
  j->set_client_msg_id("join-8");
  auto refused = back->request(other);
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_CONFLICT);
}

// Defect 4: a client that stops reading is dropped once a write stalls past the deadline, and
// counts as disconnected (its grace starts), instead of holding its socket for ever.
TEST_F(DeliveryPromises, AClientThatStopsReadingIsDroppedAndItsGraceStarts) {
  auto node = start_node("n1", {"--write-timeout-ms", "1000", "--send-queue-limit", "1000",
                                "--max-text-bytes", "60000"});
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"billing"}, 2));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  // The visitor's socket has a tiny receive buffer and the test never reads it again.
  auto visitor = std::make_unique<ws_client>(node->host(), node->port(), "/ws", 4096);
  visitor_hello(*visitor);
  auto conv = join(*visitor, "Silent", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv));
  const std::string big(50000, 'x');
  bool graced = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (int i = 0; !graced && std::chrono::steady_clock::now() < deadline; ++i) {
    auto r = send_text(*agent, conv, "big-" + std::to_string(i), big);
    ASSERT_TRUE(r.has_ack() || (r.has_error() && r.error().code() == pb::ERROR_CODE_RATE_LIMITED))
        << r.DebugString();
    std::this_thread::sleep_for(50ms);
    graced = redis().command({"ZSCORE", "lc:grace:visitors", conv}) != "(nil)";
  }
  EXPECT_TRUE(graced) << "the stalled visitor never counted as gone";
  EXPECT_EQ(metric(*node, "livechat_connected_visitors"), 0u);
}

// Defect 5: a tab that missed more events than its send queue holds catches up in pages instead
// of being closed as a slow consumer every time.
TEST_F(DeliveryPromises, ATabThatMissedHundredsOfEventsCatchesUpInPages) {
  auto node = start_node("n1", {"--send-queue-limit", "64"});
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"billing"}, 2));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto c = assigned_chat(*node, *agent);
  c.visitor->drop();
  // 600 answers written straight through the node's functions while the visitor is away.
  const auto epoch = redis().command(other_node_lease_call());
  for (int i = 0; i < 600; ++i) {
    auto r = redis().command(agent_post_call(epoch, c.conv, "alice", "Alice",
                                             "bulk-" + std::to_string(i),
                                             "answer " + std::to_string(i)));
    ASSERT_EQ(r.find("(error)"), std::string::npos) << r;
  }
  const auto last = std::stoull(redis().command({"HGET", "lc:conv:" + c.conv, "seq"}));
  // A new tab with no stored seq: everything, from the start, in order.
  auto tab = connect(*node);
  visitor_hello(*tab, c.token);
  std::uint64_t expect = 1;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (expect <= last && std::chrono::steady_clock::now() < deadline && tab->is_open()) {
    auto env = tab->wait_for([&](const pb::ServerEnvelope& e) { return e.has_event(); }, 1s);
    if (!env) continue;
    ASSERT_EQ(env->event().seq(), expect) << "out of order or repeated";
    ++expect;
  }
  EXPECT_TRUE(tab->is_open()) << "closed with " << tab->close_code().value_or(0) << " "
                              << tab->close_reason();
  EXPECT_EQ(expect, last + 1) << "caught up to " << expect - 1 << " of " << last;
}

// Defect 7: every DELIVERED receipt that moves the mark is a delivery-latency observation,
// including the ones that arrive within the same millisecond.
TEST_F(DeliveryPromises, EveryDeliveredReceiptIsObserved) {
  auto node = start_node("n1");
  auto agent = connect(*node);
  agent_hello(*agent, agent_token("alice", {"billing"}, 2));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto c = assigned_chat(*node, *agent);
  const auto before = metric(*node, "livechat_delivery_latency_seconds_count");
  constexpr int n = 10;
  for (int i = 0; i < n; ++i) {
    auto sent = send_text(*agent, c.conv, "a" + std::to_string(i), "quick " + std::to_string(i));
    ASSERT_TRUE(sent.has_ack());
    pb::ClientEnvelope receipt;
    receipt.mutable_receipt()->set_conversation_id(c.conv);
    receipt.mutable_receipt()->set_seq(sent.ack().seq());
    receipt.mutable_receipt()->set_kind(pb::RECEIPT_KIND_DELIVERED);
    ASSERT_TRUE(c.visitor->request(receipt).has_ack());
  }
  EXPECT_EQ(metric(*node, "livechat_delivery_latency_seconds_count"), before + n);
}

}  // namespace
}  // namespace lc::test
