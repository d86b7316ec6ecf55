// Signed webhooks through the real binary, its system of record and a real HTTP receiver
// (Python's http.server, started by the test): every event of a chat arrives once, signed over
// its timestamp and body; a receiver that answers 503 gets the same delivery again, with backoff,
// until it takes it; admins alone manage endpoints and read the delivery log.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "server/core/webhook.hpp"
#include "tests/e2e/team_suite.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;

class Webhooks : public team_suite {
 protected:
  void SetUp() override {
    team_suite::SetUp();
    root_ = sign_in("root@example.org", admin_password).first;
  }
  // Registers `url` for `events`; the webhook's JSON.
  core::json_value add(const std::string& url, const std::string& events_json) {
    auto r = call("POST", "/api/webhooks",
                  R"({"url":")" + url + R"(","events":)" + events_json + "}", root_);
    EXPECT_EQ(r.status, 201) << r.body;
    return json(r);
  }
  static std::string id_of(const core::json_value& v) {
    const auto* id = v.find("id");
    return id != nullptr && id->as_int64() ? std::to_string(*id->as_int64()) : std::string();
  }
  // The request is signed with `secret` as the README says, and names itself consistently.
  static void expect_signed(const webhook_receiver::request& r, const std::string& secret) {
    const auto sig = r.headers.at("x-livechat-signature");
    const auto comma = sig.find(',');
    ASSERT_EQ(sig.rfind("t=", 0), 0u) << sig;
    ASSERT_NE(comma, std::string::npos) << sig;
    const auto t = std::stoll(sig.substr(2, comma - 2));
    EXPECT_EQ(sig, core::webhook_signature(secret, t, r.body));
    EXPECT_LT(std::abs(duration_cast<seconds>(system_clock::now().time_since_epoch()).count() - t),
              60);
    auto body = core::parse_json(r.body);
    ASSERT_TRUE(body && body->is_object()) << r.body;
    EXPECT_EQ(body->find("event")->as_string(), r.headers.at("x-livechat-event"));
    EXPECT_EQ(body->find("id")->as_string(), r.headers.at("idempotency-key"));
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
  }

  std::string root_;
};

TEST_F(Webhooks, EveryEventOfAChatArrivesOnceSigned) {
  webhook_receiver receiver;
  auto hook = add(receiver.url(),
                  R"(["conversation.created","conversation.assigned","conversation.message",)"
                  R"("conversation.transferred","conversation.closed","conversation.rated"])");
  const auto secret = field(hook, "secret");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << "a secret is made for it";

  auto agent = connect(*node_);
  agent_hello(*agent, agent_token("al", {"billing"}, 3));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*node_);
  visitor_hello(*visitor);
  const auto conv = join(*visitor, "Vic", "billing").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv, 5s));
  ASSERT_TRUE(send_text(*visitor, conv, "v2", "my parcel?").has_ack());
  ASSERT_TRUE(send_text(*agent, conv, "a1", "on its way").has_ack());
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(agent->request(close).has_ack());
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(5);
  rate.mutable_rate()->set_comment("quick");
  ASSERT_TRUE(visitor->request(rate).has_ack());

  // created, assigned, two messages, closed, rated.
  auto got = receiver.wait_for(6, 20s);
  ASSERT_EQ(got.size(), 6u) << "no more, no fewer";
  std::multiset<std::string> events;
  std::set<std::string> keys;
  for (const auto& r : got) {
    expect_signed(r, secret);
    EXPECT_EQ(r.path, "/hook");
    events.insert(r.headers.at("x-livechat-event"));
    keys.insert(r.headers.at("idempotency-key"));
    EXPECT_NE(r.body.find(conv), std::string::npos) << r.body;
  }
  EXPECT_EQ(events, (std::multiset<std::string>{"conversation.created", "conversation.assigned",
                                                "conversation.message", "conversation.message",
                                                "conversation.closed", "conversation.rated"}));
  EXPECT_EQ(keys.size(), 6u) << "one idempotency key per event";
  bool saw_text = false;
  for (const auto& r : got) saw_text |= r.body.find(R"("text":"on its way")") != std::string::npos;
  EXPECT_TRUE(saw_text);

  auto log = call("GET", "/api/webhooks/" + id_of(hook) + "/deliveries", "", root_);
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(log.body.find(R"("state":"pending")"), std::string::npos) << log.body;
  EXPECT_NE(log.body.find(R"("state":"delivered","attempts":1,"last_status":200)"),
            std::string::npos)
      << log.body;
}

TEST_F(Webhooks, AReceiverThatIsDownGetsTheSameDeliveryAgainUntilItTakesIt) {
  webhook_receiver receiver(/*fail_first=*/2);
  auto hook = add(receiver.url("/flaky"), R"(["conversation.created"])");
  webhook_receiver gone;
  const auto dead_url = gone.url("/nobody");
  gone.stop();
  auto dead = add(dead_url, R"(["conversation.created"])");

  auto visitor = connect(*node_);
  visitor_hello(*visitor);
  const auto conv = join(*visitor, "Vic", "billing").conversation_id();

  auto got = receiver.wait_for(3, 20s);
  ASSERT_EQ(got.size(), 3u) << "503, 503, then 200";
  EXPECT_EQ(got[0].status, 503);
  EXPECT_EQ(got[2].status, 200);
  for (const auto& r : got) {
    expect_signed(r, field(hook, "secret"));
    EXPECT_EQ(r.headers.at("idempotency-key"), got[0].headers.at("idempotency-key"));
    EXPECT_EQ(r.headers.at("x-livechat-delivery"), got[0].headers.at("x-livechat-delivery"));
    EXPECT_EQ(r.headers.at("idempotency-key"), conv + ":created");
  }
  auto log = call("GET", "/api/webhooks/" + id_of(hook) + "/deliveries", "", root_);
  EXPECT_NE(log.body.find(R"("state":"delivered","attempts":3,"last_status":200)"),
            std::string::npos)
      << log.body;
  EXPECT_EQ(receiver.wait_for(4, 1500ms).size(), 3u) << "delivered: not sent again";

  auto dead_log = call("GET", "/api/webhooks/" + id_of(dead) + "/deliveries", "", root_);
  ASSERT_EQ(dead_log.status, 200);
  EXPECT_NE(dead_log.body.find(R"("state":"pending")"), std::string::npos)
      << "still retried: " << dead_log.body;
  EXPECT_EQ(dead_log.body.find(R"("last_error":"")"), std::string::npos)
      << "says why: " << dead_log.body;
}

TEST_F(Webhooks, EventsWhilePostgresIsDownArriveOnceItIsBack) {
  webhook_receiver receiver;
  add(receiver.url(), R"(["conversation.created","conversation.message"])");
  postgres().stop();
  auto visitor = connect(*node_);
  visitor_hello(*visitor);
  const auto conv = join(*visitor, "Vic", "billing").conversation_id();
  ASSERT_TRUE(send_text(*visitor, conv, "v2", "still there?").has_ack()) << "chat goes on";
  EXPECT_TRUE(receiver.wait_for(1, 2s).empty());
  postgres().restart();
  auto got = receiver.wait_for(2, 40s);
  ASSERT_EQ(got.size(), 2u) << "created and the message, kept by the node meanwhile";
  std::set<std::string> events;
  for (const auto& r : got) events.insert(r.headers.at("x-livechat-event"));
  EXPECT_EQ(events, (std::set<std::string>{"conversation.created", "conversation.message"}));
  EXPECT_EQ(receiver.wait_for(3, 6s).size(), 2u) << "each once";
}

TEST_F(Webhooks, OnlyAdminsManageThemAndBadOnesAreRefused) {
  const auto staff =
      staff_token_for(test_secret, "sue", {"billing"}, 3, core::staff_role::supervisor);
  EXPECT_EQ(call("GET", "/api/webhooks", "", staff).status, 403);
  EXPECT_EQ(call("POST", "/api/webhooks",
                 R"({"url":"http://127.0.0.1:1/x","events":["conversation.closed"]})", staff)
                .status,
            403);
  for (const char* bad :
       {R"({"url":"ftp://example.com/","events":["conversation.closed"]})",
        R"({"url":"http://u:p@example.com/","events":["conversation.closed"]})",
        R"({"url":"http://example.com/","events":["conversation.deleted"]})",
        R"({"url":"http://example.com/","events":[]})", R"({"events":["conversation.closed"]})",
        R"({"url":"http://example.com/","events":["conversation.closed"],"colour":1})", "[]"}) {
    auto r = call("POST", "/api/webhooks", bad, root_);
    EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
  }
  auto hook = add("http://127.0.0.1:1/x", R"(["conversation.closed"])");
  const auto id = id_of(hook);
  auto changed =
      call("PATCH", "/api/webhooks/" + id, R"({"enabled":false,"rotate_secret":true})", root_);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_NE(changed.body.find(R"("enabled":false)"), std::string::npos);
  EXPECT_NE(field(json(changed), "secret"), field(hook, "secret")) << "rotated";
  EXPECT_EQ(call("PATCH", "/api/webhooks/999999", R"({"enabled":true})", root_).status, 404);
  EXPECT_EQ(call("PATCH", "/api/webhooks/" + id, R"({"url":"nope"})", root_).status, 400);
  EXPECT_NE(call("GET", "/api/webhooks", "", root_).body.find(R"("id":)" + id), std::string::npos);
  EXPECT_EQ(call("DELETE", "/api/webhooks/" + id, "", root_).status, 200);
  EXPECT_EQ(call("DELETE", "/api/webhooks/" + id, "", root_).status, 404);
  EXPECT_EQ(call("GET", "/api/webhooks/" + id + "/deliveries", "", root_).status, 404);
  auto audit = call("GET", "/api/audit?limit=20", "", root_);
  for (const char* action : {"webhook.add", "webhook.rotate_secret", "webhook.remove"}) {
    EXPECT_NE(audit.body.find(std::string(R"("action":")") + action + "\""), std::string::npos)
        << action;
  }
}

}  // namespace
}  // namespace lc::test
