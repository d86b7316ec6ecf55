// Email through the real binary, its system of record and a real SMTP server (Debian's
// python3-aiosmtpd, started by the test): a visitor's transcript, asked for at the end of the
// chat or during it, arrives once per address with what the visitor saw and nothing staff-only;
// an agent answers an offline message by email; a mail server that refuses for a while gets the
// mail again; what a client may not do is refused and changes nothing.
#include <gtest/gtest.h>

#include "tests/e2e/team_suite.hpp"
#include "tests/support/smtp_receiver.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;

class Mail : public team_suite {
 protected:
  // team_suite's node runs without email; this test's runs with it, on `smtp`.
  void with_email(const smtp_receiver& smtp) {
    node_.reset();
    node_ = start_node("n1", {"--smtp-url", smtp.url(), "--smtp-from", "support@example.test",
                              "--smtp-from-name", "Acme Support", "--smtp-tls", "none"});
  }

  static pb::ServerEnvelope ask_transcript(ws_client& ws, const std::string& conv,
                                           const std::string& email) {
    pb::ClientEnvelope req;
    req.mutable_email_transcript()->set_conversation_id(conv);
    req.mutable_email_transcript()->set_email(email);
    return ws.request(req);
  }

  static void close(ws_client& ws, const std::string& conv) {
    pb::ClientEnvelope req;
    req.mutable_close()->set_conversation_id(conv);
    ASSERT_TRUE(ws.request(req).has_ack());
  }

  // An agent and a visitor in one chat of billing; the conversation id.
  std::string chat(ws_client& agent, ws_client& visitor) {
    agent_hello(agent, agent_token("al", {"billing"}, 3));
    set_presence(agent, pb::PRESENCE_STATUS_ONLINE);
    const auto welcome = visitor_hello(visitor);
    EXPECT_TRUE(welcome.email_transcripts());
    const auto conv = join(visitor, "Vic", "billing", "Where is my parcel?").conversation_id();
    EXPECT_TRUE(wait_assigned(agent, conv, 5s));
    return conv;
  }
};

TEST_F(Mail, ATranscriptAskedForAtTheEndArrivesOncePerAddress) {
  smtp_receiver smtp;
  with_email(smtp);
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto conv = chat(*agent, *visitor);
  ASSERT_TRUE(send_text(*agent, conv, "a1", "It left the depot\nthis morning.").has_ack());
  pb::ClientEnvelope note;
  note.mutable_send()->set_conversation_id(conv);
  note.mutable_send()->set_client_msg_id("a2");
  note.mutable_send()->set_text("customer seems upset");
  note.mutable_send()->set_note(true);
  ASSERT_TRUE(agent->request(note).has_ack());
  close(*agent, conv);

  auto ack = ask_transcript(*visitor, conv, "vic@example.org");
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
  EXPECT_EQ(ack.ack().conversation_id(), conv);
  auto got = smtp.wait_for(1, 15s);
  ASSERT_EQ(got.size(), 1u);
  const auto& m = got[0];
  EXPECT_EQ(m.rcpt_to, std::vector<std::string>{"vic@example.org"});
  EXPECT_EQ(m.mail_from, "support@example.test");
  EXPECT_EQ(m.from, "Acme Support <support@example.test>");
  EXPECT_EQ(m.subject, "Your chat transcript");
  EXPECT_NE(m.raw.find("Auto-Submitted: auto-generated"), std::string::npos);
  EXPECT_NE(m.body.find("Transcript of your chat with Acme Support"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("] Vic: Where is my parcel?"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("] Agent al: It left the depot"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("this morning."), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("The chat ended."), std::string::npos) << m.body;
  EXPECT_NE(m.body.find(conv), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("upset"), std::string::npos) << "an internal note: " << m.body;

  EXPECT_TRUE(ask_transcript(*visitor, conv, "vic@example.org").has_ack()) << "asked again";
  EXPECT_TRUE(ask_transcript(*visitor, conv, "b@example.org").has_ack());
  EXPECT_TRUE(ask_transcript(*visitor, conv, "c@example.org").has_ack());
  auto fourth = ask_transcript(*visitor, conv, "d@example.org");
  ASSERT_TRUE(fourth.has_error()) << fourth.DebugString();
  EXPECT_EQ(fourth.error().code(), pb::ERROR_CODE_RATE_LIMITED);
  EXPECT_NE(fourth.error().text().find("addresses"), std::string::npos);
  got = smtp.wait_for(4, 5s);
  ASSERT_EQ(got.size(), 3u) << "vic once, b, c; never d";
  EXPECT_EQ(got[1].rcpt_to.size(), 1u);
  EXPECT_NE(got[1].message_id, got[0].message_id);

  const auto root = sign_in("root@example.org", admin_password).first;
  auto log = call("GET", "/api/mail", "", root);
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(log.body.find(R"("state":"pending")"), std::string::npos) << log.body;
  EXPECT_NE(log.body.find(R"("to":"vic@example.org")"), std::string::npos) << log.body;
  EXPECT_EQ(call("GET", "/api/mail", "", agent_token("al", {"billing"}, 3)).status, 403);
}

TEST_F(Mail, ATranscriptAskedForDuringTheChatGoesOutAfterTheClose) {
  smtp_receiver smtp;
  with_email(smtp);
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto conv = chat(*agent, *visitor);
  ASSERT_TRUE(ask_transcript(*visitor, conv, "vic@example.org").has_ack());
  EXPECT_TRUE(smtp.wait_for(1, 4s).empty()) << "not while the chat goes on";
  ASSERT_TRUE(send_text(*agent, conv, "a1", "Said after the request").has_ack());
  close(*visitor, conv);
  auto got = smtp.wait_for(1, 15s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].body.find("Said after the request"), std::string::npos) << got[0].body;
}

TEST_F(Mail, AMailServerThatRefusesForAWhileGetsTheMailAgain) {
  smtp_receiver smtp(/*fail_first=*/2);
  with_email(smtp);
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto conv = chat(*agent, *visitor);
  close(*agent, conv);
  ASSERT_TRUE(ask_transcript(*visitor, conv, "vic@example.org").has_ack());
  auto got = smtp.wait_for(1, 20s);
  ASSERT_EQ(got.size(), 1u) << "451, 451, then accepted";
  const auto root = sign_in("root@example.org", admin_password).first;
  auto log = call("GET", "/api/mail", "", root);
  EXPECT_NE(log.body.find(R"("state":"sent","attempts":3)"), std::string::npos) << log.body;
  EXPECT_EQ(smtp.wait_for(2, 1500ms).size(), 1u) << "sent: not sent again";
}

TEST_F(Mail, AnOfflineMessageIsAnsweredByEmail) {
  smtp_receiver smtp;
  with_email(smtp);
  auto visitor = connect(*node_);
  visitor_hello(*visitor);
  pb::ClientEnvelope leave;
  auto* m = leave.mutable_offline_message();
  m->set_display_name("Olga");
  m->set_email("olga@example.org");
  m->set_department("billing");
  m->set_text("Please call me back\nabout pricing");
  auto ack = visitor->request(leave);
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
  const auto id = ack.ack().conversation_id();
  const auto path = "/api/offline-messages/" + id + "/reply";
  const auto al = agent_token("al", {"billing"}, 3);

  EXPECT_EQ(call("POST", path, R"({"text":"   "})", al).status, 400);
  EXPECT_EQ(call("POST", path, R"({"text":")" + std::string(10001, 'x') + "\"}", al).status, 400);
  EXPECT_EQ(call("POST", path, R"({"text":"hi","cc":"x@evil.test"})", al).status, 400);
  EXPECT_EQ(call("POST", path, R"({"text":"hi"})", agent_token("ted", {"tech"}, 3)).status, 404)
      << "another department's";
  EXPECT_EQ(call("POST", "/api/offline-messages/o" + std::string(24, '0') + "/reply",
                 R"({"text":"hi"})", al)
                .status,
            404);
  EXPECT_EQ(call("POST", "/api/offline-messages/../../x/reply", R"({"text":"hi"})", al).status,
            400);
  EXPECT_TRUE(smtp.wait_for(1, 1s).empty()) << "nothing sent for any of those";

  auto r = call("POST", path, R"({"text":"We will call you at 3pm.\nBest, Al"})", al);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(field(json(r), "to"), "olga@example.org");
  auto got = smtp.wait_for(1, 15s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rcpt_to, std::vector<std::string>{"olga@example.org"});
  EXPECT_EQ(got[0].subject, "Re: your message to Acme Support");
  EXPECT_EQ(got[0].raw.find("Auto-Submitted"), std::string::npos) << "a person wrote it";
  EXPECT_NE(got[0].body.find("We will call you at 3pm.\nBest, Al"), std::string::npos)
      << got[0].body;
  EXPECT_NE(got[0].body.find("Olga wrote:\n> Please call me back\n> about pricing"),
            std::string::npos)
      << got[0].body;

  auto list = call("GET", "/api/offline-messages", "", al);
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(R"("replied_by":"al")"), std::string::npos) << list.body;
  auto listed = connect(*node_);
  agent_hello(*listed, al);
  pb::ClientEnvelope ask;
  ask.mutable_list_offline_messages();
  auto reply = listed->request(ask);
  ASSERT_EQ(reply.offline_messages().messages_size(), 1);
  EXPECT_EQ(reply.offline_messages().messages(0).replied_by(), "al");
  EXPECT_GT(reply.offline_messages().messages(0).replied_at_ms(), 0);
  const auto root = sign_in("root@example.org", admin_password).first;
  auto audit = call("GET", "/api/audit?limit=20", "", root);
  EXPECT_NE(audit.body.find(R"("action":"offline.reply")"), std::string::npos) << audit.body;
}

TEST_F(Mail, WhatAClientMayNotDoIsRefused) {
  // team_suite's node sends no email: it says so, and refuses.
  {
    auto visitor = connect(*node_);
    EXPECT_FALSE(visitor_hello(*visitor).email_transcripts());
    const auto conv = join(*visitor, "Vic", "billing").conversation_id();
    auto off = ask_transcript(*visitor, conv, "vic@example.org");
    ASSERT_TRUE(off.has_error());
    EXPECT_EQ(off.error().code(), pb::ERROR_CODE_FORBIDDEN);
    EXPECT_NE(off.error().text().find("email"), std::string::npos);
    EXPECT_EQ(call("POST", "/api/offline-messages/o" + std::string(24, '0') + "/reply",
                   R"({"text":"hi"})", agent_token("al", {"billing"}, 3))
                  .status,
              404);
  }
  smtp_receiver smtp;
  with_email(smtp);
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto conv = chat(*agent, *visitor);
  for (const char* bad : {"not-an-address", "vic@example.org\r\nBcc: x@evil.test", ""}) {
    auto r = ask_transcript(*visitor, conv, bad);
    ASSERT_TRUE(r.has_error()) << bad;
    EXPECT_EQ(r.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT) << bad;
  }
  auto stranger = connect(*node_);
  visitor_hello(*stranger);
  auto theirs = ask_transcript(*stranger, conv, "x@example.org");
  ASSERT_TRUE(theirs.has_error());
  EXPECT_EQ(theirs.error().code(), pb::ERROR_CODE_NOT_FOUND) << "someone else's chat";
  auto by_agent = ask_transcript(*agent, conv, "x@example.org");
  ASSERT_TRUE(by_agent.has_error());
  EXPECT_EQ(by_agent.error().code(), pb::ERROR_CODE_FORBIDDEN);
  close(*agent, conv);
  EXPECT_TRUE(smtp.wait_for(1, 3s).empty()) << "none of those sent anything";
  EXPECT_TRUE(ask_transcript(*visitor, conv, "vic@example.org").has_ack()) << "still works";
  EXPECT_EQ(smtp.wait_for(1, 15s).size(), 1u);
}

}  // namespace
}  // namespace lc::test
