// Requests through the service's seams, one handler each: what the client is answered and what
// the store then holds.
#include "server/service/requests.hpp"

#include <gtest/gtest.h>

#include "tests/service/service_env.hpp"

namespace lc::test {
namespace {

class Requests : public service_test {
 protected:
  pb::ServerEnvelope close(fake_client& c, const std::string& conv) {
    pb::ClientEnvelope req;
    req.mutable_close()->set_conversation_id(conv);
    return c.request(req);
  }
  std::string stream_length(const std::string& conv) {
    return redis().command({"XLEN", "lc:conv:" + conv + ":s"});
  }
};

TEST_F(Requests, AConversationFromJoinToRating) {
  auto agent = env().connect();
  auto w = agent->hello_agent("alice", {"billing"}, 2);
  EXPECT_EQ(w.role(), pb::ROLE_AGENT);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  auto visitor = env().connect();
  auto vw = visitor->hello_visitor();
  EXPECT_FALSE(vw.visitor_token().empty());
  auto ack = visitor->join("Vic", "billing", "I need help", "j1");
  EXPECT_EQ(ack.seq(), 2u);
  auto assigned = agent->wait_assigned(ack.conversation_id());
  ASSERT_TRUE(assigned);
  ASSERT_EQ(assigned->history_size(), 3);  // joined, the first message, assigned
  EXPECT_EQ(assigned->history(1).text(), "I need help");
  EXPECT_EQ(assigned->visitor().display_name(), "Vic");
  EXPECT_GT(assigned->epoch(), 0u);
  auto told = visitor->wait_for([](const auto& e) { return e.has_assigned(); });
  ASSERT_TRUE(told);
  EXPECT_EQ(told->assigned().agent_id(), "alice");
  EXPECT_EQ(told->assigned().department(), "billing");

  const auto& conv = ack.conversation_id();
  auto a1 = agent->send_text(conv, "a1", "hello Vic");
  ASSERT_TRUE(a1.has_ack());
  EXPECT_EQ(a1.ack().seq(), 4u);
  EXPECT_TRUE(visitor->wait_message(conv, "hello Vic"));
  auto dup = agent->send_text(conv, "a1", "hello Vic");
  EXPECT_TRUE(dup.ack().duplicate());
  EXPECT_EQ(dup.ack().seq(), 4u);
  ASSERT_TRUE(close(*visitor, conv).has_ack());
  EXPECT_TRUE(agent->wait_for(
      [&](const auto& e) { return e.has_event() && e.event().kind() == pb::EVENT_KIND_CLOSED; }));
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(4);
  EXPECT_TRUE(visitor->request(rate).has_ack());
  // This node has no system of record: the closed conversation waits in Redis to be archived.
  EXPECT_NE(redis().command({"ZSCORE", "lc:archive:pending", conv}), "(nil)");
}

// Defect 3: the .proto promises that a retried Join is idempotent.
TEST_F(Requests, ARetriedJoinIsTheSameJoin) {
  auto v = env().connect();
  auto token = v->hello_visitor().visitor_token();
  auto first = v->join("Vic", "billing", "hello", "j7");
  auto again = v->join("Vic", "billing", "hello", "j7");
  EXPECT_EQ(again.conversation_id(), first.conversation_id());
  EXPECT_EQ(again.seq(), first.seq());
  EXPECT_TRUE(again.duplicate());
  v->link().reset();
  auto back = env().connect();
  back->hello_visitor(token);
  auto after = back->join("Vic", "billing", "hello", "j7");
  EXPECT_EQ(after.conversation_id(), first.conversation_id());
  EXPECT_EQ(after.seq(), first.seq());
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "1");
  EXPECT_EQ(stream_length(first.conversation_id()), "2") << "nothing written twice";
}

// A phone on a bad network retries its Join; a retry starts no chat, so it costs no allowance.
TEST_F(Requests, ARetriedJoinIsNotChargedAgainstTheJoinLimit) {
  env_.reset();
  env_ = std::make_unique<service_env>(redis(), "n1",
                                       [](service::service_options& o) { o.joins_per_minute = 1; });
  auto v = env().connect();
  auto token = v->hello_visitor().visitor_token();
  auto first = v->join("Vic", "billing", "hello", "j7");
  EXPECT_TRUE(v->join("Vic", "billing", "hello", "j7").duplicate());
  v->link().reset();
  auto back = env().connect();
  back->hello_visitor(token);
  EXPECT_EQ(back->join("Vic", "billing", "hello", "j7").conversation_id(), first.conversation_id());
  // A second chat is a new one: that is what the limit counts.
  auto other = env().connect();
  other->hello_visitor();
  pb::ClientEnvelope req;
  req.mutable_join()->set_display_name("Eve");
  req.mutable_join()->set_department("billing");
  auto refused = other->request(req);
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_RATE_LIMITED);
}

TEST_F(Requests, TransferToAnAgentAndToADepartment) {
  auto alice = env().connect();
  alice->hello_agent("alice", {"billing", "tech"}, 1);
  alice->presence(pb::PRESENCE_STATUS_ONLINE);
  auto v = env().connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  ASSERT_TRUE(alice->wait_assigned(conv));
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing", "tech"}, 1);
  bob->presence(pb::PRESENCE_STATUS_ONLINE);
  pb::ClientEnvelope t;
  t.mutable_transfer()->set_conversation_id(conv);
  t.mutable_transfer()->set_to_agent_id("bob");
  t.mutable_transfer()->set_note("billing question");
  ASSERT_TRUE(alice->request(t).has_ack());
  EXPECT_TRUE(alice->wait_for([&](const auto& e) { return e.has_unassigned(); }));
  auto to_bob = bob->wait_assigned(conv);
  ASSERT_TRUE(to_bob);
  EXPECT_EQ(to_bob->history(to_bob->history_size() - 1).kind(), pb::EVENT_KIND_TRANSFERRED);
  // Alice no longer follows it: her writes are refused before Redis.
  const auto before = stream_length(conv);
  auto refused = alice->send_text(conv, "a9", "still mine?");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(stream_length(conv), before);
  pb::ClientEnvelope d;
  d.mutable_transfer()->set_conversation_id(conv);
  d.mutable_transfer()->set_to_department("tech");
  ASSERT_TRUE(bob->request(d).has_ack());
  // Back in a queue, and alice (free again, in tech) gets it.
  EXPECT_TRUE(alice->wait_assigned(conv));
}

TEST_F(Requests, WhatTheStateDoesNotAllowIsRefusedBeforeRedis) {
  auto v = env().connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  const auto before = stream_length(conv);
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(5);
  auto early = v->request(rate);
  ASSERT_TRUE(early.has_error());
  EXPECT_EQ(early.error().code(), pb::ERROR_CODE_CONFLICT);
  auto stranger = v->send_text("c000000000000000000000000", "x1", "hi");
  ASSERT_TRUE(stranger.has_error());
  EXPECT_EQ(stranger.error().code(), pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(stranger.error().request_id(), stranger.request_id());
  EXPECT_EQ(stream_length(conv), before);
  // The session is still usable.
  pb::ClientEnvelope ping;
  ping.mutable_ping();
  EXPECT_TRUE(v->request(ping).has_pong());
}

// Defect 7: every DELIVERED receipt that moves the mark is one observation of the delivery
// latency, also when it took 0 ms.
TEST_F(Requests, EveryDeliveredReceiptIsOneLatencyObservation) {
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 1);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  auto v = env().connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  ASSERT_TRUE(agent->wait_assigned(conv));
  auto& metrics = env().service().metrics();
  const auto before = metrics.histogram_count("livechat_delivery_latency_seconds");
  for (int i = 0; i < 5; ++i) {
    auto sent = agent->send_text(conv, "a" + std::to_string(i), "quick");
    ASSERT_TRUE(sent.has_ack());
    pb::ClientEnvelope r;
    r.mutable_receipt()->set_conversation_id(conv);
    r.mutable_receipt()->set_seq(sent.ack().seq());
    r.mutable_receipt()->set_kind(pb::RECEIPT_KIND_DELIVERED);
    ASSERT_TRUE(v->request(r).has_ack());
    ASSERT_TRUE(v->request(r).has_ack());  // a repeat moves nothing: no observation
  }
  EXPECT_EQ(metrics.histogram_count("livechat_delivery_latency_seconds"), before + 5);
  EXPECT_TRUE(agent->wait_for([](const auto& e) { return e.has_receipt(); }));
}

TEST_F(Requests, OfflineMessagesAreLeftByVisitorsAndListedForTheirDepartments) {
  auto v = env().connect();
  v->hello_visitor();
  pb::ClientEnvelope leave;
  auto* m = leave.mutable_offline_message();
  m->set_display_name("  Ann  ");
  m->set_email("ann@example.org");
  m->set_department("billing");
  m->set_text("please call me");
  auto left = v->request(leave);
  ASSERT_TRUE(left.has_ack());
  EXPECT_EQ(left.ack().conversation_id().front(), 'o');
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 1);
  pb::ClientEnvelope list;
  list.mutable_list_offline_messages();
  auto got = agent->request(list);
  ASSERT_TRUE(got.has_offline_messages());
  ASSERT_EQ(got.offline_messages().messages_size(), 1);
  EXPECT_EQ(got.offline_messages().messages(0).display_name(), "Ann");
  list.mutable_list_offline_messages()->set_department("tech");
  auto other = agent->request(list);
  ASSERT_TRUE(other.has_error());
  EXPECT_EQ(other.error().code(), pb::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace lc::test
