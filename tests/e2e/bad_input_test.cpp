// Bad input from a client gets a clear Error naming the request, leaves Redis and every other
// client untouched, and keeps the connection where that is safe.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_env.hpp"

namespace lc::test {
namespace {

class BadInput : public e2e {
 protected:
  void SetUp() override {
    e2e::SetUp();
    node_ = start_node("n1", {"--max-frame-bytes", "16384", "--max-text-bytes", "1000"});
    agent_ = connect(*node_);
    agent_hello(*agent_, agent_token("alice", {"billing"}, 2));
    set_presence(*agent_, pb::PRESENCE_STATUS_ONLINE);
    other_ = connect(*node_);
    visitor_hello(*other_);
    other_conv_ = join(*other_, "Other", "billing").conversation_id();
    EXPECT_TRUE(wait_assigned(*agent_, other_conv_));
    visitor_ = connect(*node_);
    visitor_hello(*visitor_);
  }

  // Everything the store holds, to prove a refused request changed nothing.
  std::string snapshot() {
    std::string out;
    for (const auto& key : redis().command_list({"KEYS", "lc:*"})) {
      if (key.rfind("lc:node:", 0) == 0) continue;  // leases are renewed by the clock
      auto type = redis().command({"TYPE", key});
      if (type == "none") continue;  // emptied while listing
      out += key + "=" + type + ":";
      if (type == "stream") out += redis().command({"XLEN", key});
      if (type == "hash") out += redis().command({"HGETALL", key});
      if (type == "zset") out += redis().command({"ZRANGE", key, "0", "-1"});
      if (type == "set") out += redis().command({"SCARD", key});
      if (type == "list") out += redis().command({"LLEN", key});
      out += "\n";
    }
    return out;
  }

  void expect_error(ws_client& ws, pb::ClientEnvelope req, pb::ErrorCode code) {
    req.set_request_id(777);
    ws.send(req);
    auto env = ws.wait_for([](const pb::ServerEnvelope& e) { return e.has_error(); }, 5s);
    ASSERT_TRUE(env) << "no error for " << req.DebugString();
    EXPECT_EQ(env->error().code(), code) << env->error().text();
    EXPECT_EQ(env->error().request_id(), 777u);
    EXPECT_FALSE(env->error().text().empty());
  }

  void expect_still_usable(ws_client& ws) {
    pb::ClientEnvelope ping;
    ping.mutable_ping();
    EXPECT_TRUE(ws.request(ping).has_pong());
  }

  std::unique_ptr<server_process> node_;
  std::unique_ptr<ws_client> agent_, other_, visitor_;
  std::string other_conv_;
};

TEST_F(BadInput, MalformedProtobufGetsAnErrorAndTheConnectionStays) {
  auto before = snapshot();
  visitor_->send_raw("\xff\xff\xff\xff not protobuf");
  auto env = visitor_->wait_for([](const pb::ServerEnvelope& e) { return e.has_error(); }, 5s);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->error().code(), pb::ERROR_CODE_MALFORMED);
  expect_still_usable(*visitor_);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(BadInput, EmptyEnvelopeIsUnknownType) {
  expect_error(*visitor_, pb::ClientEnvelope(), pb::ERROR_CODE_UNKNOWN_TYPE);
  expect_still_usable(*visitor_);
}

TEST_F(BadInput, RequestBeforeHelloIsUnauthenticated) {
  auto fresh = connect(*node_);
  pb::ClientEnvelope req;
  req.mutable_join()->set_display_name("x");
  req.mutable_join()->set_department("billing");
  expect_error(*fresh, req, pb::ERROR_CODE_UNAUTHENTICATED);
  pb::ClientEnvelope bad;
  bad.mutable_hello()->set_agent_token("lca1.bm9wZQ.bm9wZQ");
  expect_error(*fresh, bad, pb::ERROR_CODE_UNAUTHENTICATED);
}

TEST_F(BadInput, OversizedFrameClosesWith1009) {
  visitor_->send_raw(std::string(20000, 'x'));
  ASSERT_TRUE(visitor_->wait_closed(5s));
  EXPECT_EQ(visitor_->close_code(), 1009);
  expect_still_usable(*other_);  // nobody else is affected
}

TEST_F(BadInput, TextTooLongOrNotUtf8IsRefusedWithoutTouchingRedis) {
  auto conv = join(*visitor_, "Vee", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*visitor_, conv));  // let matching settle before the snapshot
  auto before = snapshot();
  pb::ClientEnvelope req;
  req.mutable_send()->set_conversation_id(conv);
  req.mutable_send()->set_client_msg_id("m1");
  req.mutable_send()->set_text(std::string(1001, 'a'));
  expect_error(*visitor_, req, pb::ERROR_CODE_INVALID_ARGUMENT);
  req.mutable_send()->set_text("bad \xc3\x28 utf8");
  expect_error(*visitor_, req, pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(snapshot(), before);
  expect_still_usable(*visitor_);
}

TEST_F(BadInput, RoleMayNotMakeTheRequest) {
  pb::ClientEnvelope presence;
  presence.mutable_presence()->set_status(pb::PRESENCE_STATUS_ONLINE);
  expect_error(*visitor_, presence, pb::ERROR_CODE_FORBIDDEN);
  pb::ClientEnvelope join_req;
  join_req.mutable_join()->set_display_name("Agent");
  join_req.mutable_join()->set_department("billing");
  expect_error(*agent_, join_req, pb::ERROR_CODE_FORBIDDEN);
}

TEST_F(BadInput, ForeignOrUnknownConversationIsNotFoundAndOthersAreUntouched) {
  auto mine = join(*visitor_, "Vee", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*visitor_, mine));
  drain_events(*other_, other_conv_, 300ms);
  auto before = snapshot();
  pb::ClientEnvelope req;
  req.mutable_send()->set_conversation_id(other_conv_);
  req.mutable_send()->set_client_msg_id("steal");
  req.mutable_send()->set_text("I am not you");
  expect_error(*visitor_, req, pb::ERROR_CODE_NOT_FOUND);
  req.mutable_send()->set_conversation_id("c000000000000000000000000");
  expect_error(*visitor_, req, pb::ERROR_CODE_NOT_FOUND);
  req.mutable_send()->set_conversation_id("cdoesnotexist");
  expect_error(*visitor_, req, pb::ERROR_CODE_INVALID_ARGUMENT);
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(other_conv_);
  expect_error(*visitor_, close, pb::ERROR_CODE_NOT_FOUND);
  // Receipts and ratings of a conversation never followed are refused before Redis too.
  pb::ClientEnvelope receipt;
  receipt.mutable_receipt()->set_conversation_id(other_conv_);
  receipt.mutable_receipt()->set_seq(1);
  receipt.mutable_receipt()->set_kind(pb::RECEIPT_KIND_READ);
  expect_error(*visitor_, receipt, pb::ERROR_CODE_NOT_FOUND);
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(other_conv_);
  rate.mutable_rate()->set_rating(1);
  expect_error(*visitor_, rate, pb::ERROR_CODE_NOT_FOUND);
  // The attack of issue 9: "<conv>:meta" named the visitor's own metadata hash.
  rate.mutable_rate()->set_conversation_id(mine + ":meta");
  expect_error(*visitor_, rate, pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(other_->wait_for([](const pb::ServerEnvelope& e) { return e.has_event(); }, 300ms));
}

TEST_F(BadInput, RatingOutOfRangeAndJoinWhileInConversation) {
  auto conv = join(*visitor_, "Vee", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*visitor_, conv));
  auto before = snapshot();
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(6);
  expect_error(*visitor_, rate, pb::ERROR_CODE_INVALID_ARGUMENT);
  rate.mutable_rate()->set_rating(0);
  expect_error(*visitor_, rate, pb::ERROR_CODE_INVALID_ARGUMENT);
  pb::ClientEnvelope again;
  again.mutable_join()->set_display_name("Vee");
  again.mutable_join()->set_department("billing");
  again.mutable_join()->set_first_message("again");
  again.mutable_join()->set_client_msg_id("j-other");
  expect_error(*visitor_, again, pb::ERROR_CODE_CONFLICT);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(BadInput, ProtocolAbuseClosesWith1008) {
  for (int i = 0; i < 25 && visitor_->is_open(); ++i) visitor_->send_raw("\x08\x96\x01\xff");
  ASSERT_TRUE(visitor_->wait_closed(5s));
  EXPECT_EQ(visitor_->close_code(), 1008);
  expect_still_usable(*other_);
}

TEST_F(BadInput, RestRejectsBadParametersWithJson) {
  const http_headers auth{{"Authorization", "Bearer " + agent_token("alice", {"billing"}, 2)}};
  auto no_token = node_->get("/api/stats");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_NE(no_token.body.find("\"error\""), std::string::npos);
  auto forged = node_->get("/api/stats", {{"Authorization", "Bearer lca1.x.y"}});
  EXPECT_EQ(forged.status, 401);
  auto bad_time = node_->get("/api/stats?from=yesterday", auth);
  EXPECT_EQ(bad_time.status, 400);
  EXPECT_NE(bad_time.body.find("from"), std::string::npos);
  EXPECT_EQ(node_->get("/api/stats?from=2000&to=1000", auth).status, 400);
  EXPECT_EQ(node_->get("/api/stats?bogus=1", auth).status, 400);
  EXPECT_EQ(node_->get("/api/stats?department=a%7Cb", auth).status, 400);
  EXPECT_EQ(node_->get("/api/conversations/c%00x", auth).status, 400);
  EXPECT_EQ(node_->get("/api/conversations/cnope", auth).status, 400);
  EXPECT_EQ(node_->get("/api/conversations/c000000000000000000000000", auth).status, 404);
  // Was a WRONGTYPE answered 503, which a proxy takes for a dead node.
  EXPECT_EQ(node_->get("/api/conversations/" + other_conv_ + ":s", auth).status, 400);
  EXPECT_EQ(node_->get("/api/offline-messages?limit=5x", auth).status, 400);
  EXPECT_EQ(node_->get("/api/offline-messages?limit=1e2", auth).status, 400);
  EXPECT_EQ(node_->get("/api/nothing", auth).status, 404);
  EXPECT_EQ(node_->get("/api/offline-messages?limit=0", auth).status, 400);
  // An agent neither of its department nor ever assigned to it cannot read a conversation.
  auto stranger = agent_token("mallory", {"sales"}, 1);
  EXPECT_EQ(
      node_->get("/api/conversations/" + other_conv_, {{"Authorization", "Bearer " + stranger}})
          .status,
      404);
  EXPECT_EQ(node_->get("/api/conversations/" + other_conv_, auth).status, 200);
}

}  // namespace
}  // namespace lc::test
