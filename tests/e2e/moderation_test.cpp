// Moderation through the real binary and its system of record: staff ban a visitor from a chat
// (by visitor id, address and email), the chat ends and the visitor's next chat or offline
// message is refused in neutral words; supervisors ban outright, list and lift bans; bans in
// force come back into a Redis that lost them. And sneak peek: with the operator's flag, the
// agent sees what the visitor types before it is sent, and nobody else does.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/e2e/team_suite.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;

class Moderation : public team_suite {
 protected:
  struct chat {
    std::unique_ptr<ws_client> agent, visitor;
    std::string conv;
    std::string visitor_token;
  };
  chat assigned_chat(server_process& node, const std::string& agent = "al",
                     const std::string& department = "billing") {
    chat c;
    c.agent = connect(node);
    agent_hello(*c.agent, agent_token(agent, {department}, 3));
    set_presence(*c.agent, pb::PRESENCE_STATUS_ONLINE);
    c.visitor = connect(node);
    c.visitor_token = visitor_hello(*c.visitor).visitor_token();
    c.conv = join(*c.visitor, "Vic", department).conversation_id();
    EXPECT_TRUE(wait_assigned(*c.agent, c.conv, 5s));
    return c;
  }
  static std::string supervisor() {
    return staff_token_for(test_secret, "sue", {"billing"}, 3, core::staff_role::supervisor);
  }
  // A join that a ban should refuse: FORBIDDEN, in words that do not say why.
  static void expect_refused(ws_client& ws) {
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("Vic again");
    j->set_department("billing");
    auto env = ws.request(req);
    ASSERT_TRUE(env.has_error()) << env.DebugString();
    EXPECT_EQ(env.error().code(), pb::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(env.error().text(), "chat is not available");
    EXPECT_NE(env.error().request_id(), 0u) << "the error names the request";
  }
  static std::string first_ban_id(const http_response& r) {
    auto v = json(r);
    const auto* bans = v.find("bans");
    if (bans == nullptr || !bans->is_array() || bans->items().empty()) return {};
    const auto* id = bans->items()[0].find("id");
    return id != nullptr && id->as_int64() ? std::to_string(*id->as_int64()) : std::string();
  }
};

TEST_F(Moderation, AnAgentsBanEndsTheChatAndRefusesTheVisitorsNextOneFromAnyIdentity) {
  auto c = assigned_chat(*node_);
  const auto ban =
      call("POST", "/api/bans",
           R"({"conversation_id":")" + c.conv + R"(","duration_seconds":3600,"reason":"threats"})",
           agent_token("al", {"billing"}, 3));
  ASSERT_EQ(ban.status, 201) << ban.body;
  for (const char* part : {R"("kind":"visitor")", R"("kind":"address","value":"127.0.0.1")",
                           R"("kind":"email","value":"visitor@example.org")",
                           R"("reason":"threats")", R"("created_by":"al")", R"("active":true)"}) {
    EXPECT_NE(ban.body.find(part), std::string::npos) << part << " in " << ban.body;
  }
  EXPECT_NE(ban.body.find(R"("closed_conversation_id":")" + c.conv), std::string::npos);

  auto closed = c.visitor->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_CLOSED;
      },
      5s);
  ASSERT_TRUE(closed) << "the visitor's chat ends";
  EXPECT_EQ(closed->event().sender_role(), pb::ROLE_SYSTEM);
  expect_refused(*c.visitor);

  pb::ClientEnvelope offline;
  auto* m = offline.mutable_offline_message();
  m->set_display_name("Vic");
  m->set_email("other@example.org");
  m->set_department("billing");
  m->set_text("let me in");
  auto refused = c.visitor->request(offline);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_FORBIDDEN);

  // A new identity from the same address (a cleared token) is still the banned address.
  auto fresh = connect(*node_);
  visitor_hello(*fresh);
  expect_refused(*fresh);

  const auto root = sign_in("root@example.org", admin_password).first;
  auto audit = call("GET", "/api/audit?limit=20", "", root);
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find(R"("action":"ban.add")"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find(R"("actor":"al")"), std::string::npos) << audit.body;
}

TEST_F(Moderation, OnlyTheChatsAgentOrItsSupervisorsBanFromIt) {
  auto c = assigned_chat(*node_);
  const std::string body =
      R"({"conversation_id":")" + c.conv + R"(","duration_seconds":0,"reason":"spam"})";
  EXPECT_EQ(call("POST", "/api/bans", body, agent_token("bo", {"billing"}, 3)).status, 403)
      << "a colleague's chat";
  EXPECT_EQ(call("POST", "/api/bans", body,
                 staff_token_for(test_secret, "sam", {"sales"}, 3, core::staff_role::supervisor))
                .status,
            403)
      << "a supervisor of another department";
  const auto al = agent_token("al", {"billing"}, 3);
  for (const char* bad :
       {R"({"duration_seconds":0,"reason":"x"})", R"({"conversation_id":"CONV","reason":"x"})",
        R"({"conversation_id":"CONV","duration_seconds":10,"reason":"x"})",
        R"({"conversation_id":"CONV","duration_seconds":0,"reason":"  "})",
        R"({"conversation_id":"CONV","duration_seconds":0,"reason":"x","kinds":["phone"]})",
        R"({"conversation_id":"CONV","duration_seconds":0,"reason":"x","colour":1})",
        R"({"conversation_id":"CONV","kind":"address","value":"1.2.3.4",)"
        R"("duration_seconds":0,"reason":"x"})",
        R"({"conversation_id":"nope","duration_seconds":0,"reason":"x"})", "[]"}) {
    std::string b = bad;
    if (auto at = b.find("CONV"); at != std::string::npos) b.replace(at, 4, c.conv);
    auto r = call("POST", "/api/bans", b, al);
    EXPECT_EQ(r.status, 400) << b << " -> " << r.body;
    EXPECT_NE(r.body.find(R"("error")"), std::string::npos) << r.body;
  }
  EXPECT_EQ(
      call("POST", "/api/bans",
           R"({"kind":"address","value":"203.0.113.9","duration_seconds":0,"reason":"x"})", al)
          .status,
      403)
      << "agents ban from a chat, not outright";
  EXPECT_EQ(call("GET", "/api/bans", "", al).status, 403);
  EXPECT_EQ(call("DELETE", "/api/bans/1", "", al).status, 403);
  EXPECT_TRUE(c.visitor->is_open());
  auto still = send_text(*c.visitor, c.conv, "m1", "still here");
  EXPECT_TRUE(still.has_ack()) << "nothing was banned: " << still.DebugString();

  auto by_sup = call("POST", "/api/bans", body, supervisor());
  EXPECT_EQ(by_sup.status, 201) << by_sup.body;
}

TEST_F(Moderation, SupervisorsBanOutrightListAndLiftAndALiftedVisitorChatsAgain) {
  const auto sup = supervisor();
  auto outright = call("POST", "/api/bans",
                       R"({"kind":"email","value":" Spam@Example.ORG ","duration_seconds":0,)"
                       R"("reason":"bulk mail"})",
                       sup);
  ASSERT_EQ(outright.status, 201) << outright.body;
  EXPECT_NE(outright.body.find(R"("value":"spam@example.org","conversation_id":"")"),
            std::string::npos)
      << outright.body;
  EXPECT_NE(outright.body.find(R"("expires_ms":0)"), std::string::npos) << "until lifted";

  auto c = assigned_chat(*node_);
  auto only_visitor = call("POST", "/api/bans",
                           R"({"conversation_id":")" + c.conv +
                               R"(","kinds":["visitor"],"duration_seconds":86400,"reason":"rude"})",
                           agent_token("al", {"billing"}, 3));
  ASSERT_EQ(only_visitor.status, 201) << only_visitor.body;
  EXPECT_EQ(only_visitor.body.find(R"("kind":"address")"), std::string::npos);
  const auto visitor_ban = first_ban_id(only_visitor);
  ASSERT_FALSE(visitor_ban.empty());

  // The same visitor comes back on their token: refused. Another visitor from the same address
  // is not (only the visitor was banned), unless they give the banned email.
  auto back = connect(*node_);
  visitor_hello(*back, c.visitor_token);
  expect_refused(*back);
  auto other = connect(*node_);
  visitor_hello(*other);
  pb::ClientEnvelope spam;
  spam.mutable_join()->set_display_name("S");
  spam.mutable_join()->set_email("SPAM@example.org");
  spam.mutable_join()->set_department("billing");
  auto spam_reply = other->request(spam);
  ASSERT_TRUE(spam_reply.has_error()) << spam_reply.DebugString();
  EXPECT_EQ(spam_reply.error().code(), pb::ERROR_CODE_FORBIDDEN);
  EXPECT_TRUE(join(*other, "Olga", "billing").conversation_id().size() > 0);

  auto listed = call("GET", "/api/bans", "", sup);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(R"("reason":"rude")"), std::string::npos);
  EXPECT_NE(listed.body.find(R"("reason":"bulk mail")"), std::string::npos);
  EXPECT_LT(listed.body.find(R"("reason":"rude")"), listed.body.find(R"("reason":"bulk mail")"))
      << "newest first";

  auto lifted = call("DELETE", "/api/bans/" + visitor_ban, "", sup);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_NE(lifted.body.find(R"("lifted_by":"sue")"), std::string::npos) << lifted.body;
  EXPECT_NE(lifted.body.find(R"("active":false)"), std::string::npos) << lifted.body;
  EXPECT_EQ(call("DELETE", "/api/bans/" + visitor_ban, "", sup).status, 409);
  EXPECT_EQ(call("DELETE", "/api/bans/999999", "", sup).status, 404);
  EXPECT_EQ(call("DELETE", "/api/bans/x1", "", sup).status, 400);
  EXPECT_EQ(call("GET", "/api/bans", "", sup).body.find(R"("reason":"rude")"), std::string::npos);
  EXPECT_NE(call("GET", "/api/bans?all=1", "", sup).body.find(R"("reason":"rude")"),
            std::string::npos);

  EXPECT_FALSE(join(*back, "Vic", "billing").conversation_id().empty()) << "lifted: chats again";
}

TEST_F(Moderation, BansInForceReturnToARedisThatLostThem) {
  auto c = assigned_chat(*node_);
  ASSERT_EQ(call("POST", "/api/bans",
                 R"({"conversation_id":")" + c.conv +
                     R"(","kinds":["visitor"],"duration_seconds":0,"reason":"x"})",
                 agent_token("al", {"billing"}, 3))
                .status,
            201);
  c.agent.reset();
  c.visitor.reset();
  node_.reset();
  redis().flushall();  // Redis lost everything (a restore from an old snapshot, say)
  node_ = start_node("n1");
  auto back = connect(*node_);
  visitor_hello(*back, c.visitor_token);
  expect_refused(*back);
}

TEST_F(Moderation, SneakPeekShowsTheAgentTheVisitorsDraftOnlyWhenTheOperatorTurnedItOn) {
  auto peek_node = start_node("n2", {"--sneak-peek", "true"});
  auto c = assigned_chat(*peek_node);
  auto probe = connect(*peek_node);
  EXPECT_TRUE(visitor_hello(*probe).sneak_peek()) << "the widget is told to send drafts";
  auto typing = [&](ws_client& ws, const std::string& draft) {
    pb::ClientEnvelope t;
    t.mutable_typing()->set_conversation_id(c.conv);
    t.mutable_typing()->set_typing(true);
    t.mutable_typing()->set_draft(draft);
    ws.send(t);
  };
  typing(*c.visitor, "where is my ord");
  auto seen = c.agent->wait_for(
      [&](const pb::ServerEnvelope& e) { return e.has_typing() && !e.typing().draft().empty(); },
      5s);
  ASSERT_TRUE(seen) << "the agent sees the draft";
  EXPECT_EQ(seen->typing().draft(), "where is my ord");
  EXPECT_EQ(seen->typing().role(), pb::ROLE_VISITOR);

  // Faster than four a second: the rest are dropped, not queued.
  for (int i = 0; i < 10; ++i) typing(*c.visitor, "burst " + std::to_string(i));
  int drafts = 0;
  while (c.agent->wait_for([](const pb::ServerEnvelope& e) { return e.has_typing(); }, 700ms)) {
    ++drafts;
  }
  EXPECT_LT(drafts, 10) << "throttled";

  // The agent's own draft goes nowhere, and nothing of a draft reaches the visitor or the record.
  pb::ClientEnvelope agent_draft;
  agent_draft.mutable_typing()->set_conversation_id(c.conv);
  agent_draft.mutable_typing()->set_typing(true);
  agent_draft.mutable_typing()->set_draft("secret reply");
  c.agent->send(agent_draft);
  auto to_visitor =
      c.visitor->wait_for([](const pb::ServerEnvelope& e) { return e.has_typing(); }, 2s);
  ASSERT_TRUE(to_visitor) << "the visitor still sees the agent typing";
  EXPECT_TRUE(to_visitor->typing().draft().empty());
  auto history = call("GET", "/api/conversations/" + c.conv, "", agent_token("al", {"billing"}, 3));
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(history.body.find("where is my ord"), std::string::npos) << "never stored";
  EXPECT_EQ(history.body.find("burst"), std::string::npos);

  // The default node (no flag) says so in its Welcome and passes only the typing signal on.
  auto plain = assigned_chat(*node_, "bo", "tech");
  auto w = connect(*node_);
  EXPECT_FALSE(visitor_hello(*w).sneak_peek());
  pb::ClientEnvelope t;
  t.mutable_typing()->set_conversation_id(plain.conv);
  t.mutable_typing()->set_typing(true);
  t.mutable_typing()->set_draft("hidden");
  plain.visitor->send(t);
  auto signal =
      plain.agent->wait_for([](const pb::ServerEnvelope& e) { return e.has_typing(); }, 5s);
  ASSERT_TRUE(signal);
  EXPECT_TRUE(signal->typing().typing());
  EXPECT_TRUE(signal->typing().draft().empty()) << "no sneak peek without the flag";
}

}  // namespace
}  // namespace lc::test
