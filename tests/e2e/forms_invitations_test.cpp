// Configurable forms and proactive invitations through the real binary and its system of
// record: an admin's pre-chat form and survey are offered, checked and kept with the archived
// conversation; an agent on one node invites a visitor on another, who accepts and chats with
// them; a department's rule invites by itself.
#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/team_suite.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;

class FormsAndInvitations : public team_suite {
 protected:
  http_response put_department(const std::string& body) {
    const auto root = agent_token("root", {}, 0, true);
    return call("PUT", "/api/departments/billing", body, root);
  }
  static pb::ServerEnvelope view(ws_client& ws, const std::string& url) {
    pb::ClientEnvelope req;
    req.mutable_page_view()->set_url(url);
    req.mutable_page_view()->set_title("Page");
    return ws.request(req);
  }
  static std::optional<pb::Invitation> invitation(ws_client& ws, milliseconds t = 5s) {
    auto e = ws.wait_for([](const pb::ServerEnvelope& e) { return e.has_invitation(); }, t);
    if (!e) return std::nullopt;
    return e->invitation();
  }
  static pb::ServerEnvelope join_with(ws_client& ws, const std::string& invitation,
                                      std::vector<std::pair<std::string, std::string>> answers) {
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("Vic");
    j->set_department("billing");
    j->set_first_message("Hello");
    j->set_client_msg_id("join-1");
    j->set_invitation_id(invitation);
    for (const auto& [id, value] : answers) {
      auto* a = j->add_answers();
      a->set_field_id(id);
      a->set_value(value);
    }
    return ws.request(req);
  }
  static pb::Welcome hello_billing(ws_client& ws) {
    pb::ClientEnvelope req;
    req.mutable_hello()->add_departments("billing");
    return ws.request(req).welcome();
  }
};

TEST_F(FormsAndInvitations, AnAdminsFormAndSurveyAreAskedCheckedAndKeptWithTheConversation) {
  auto bad = put_department(R"({"pre_chat_form":[{"id":"Plan!","label":"Plan","kind":"text"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("pre_chat_form[0].id"), std::string::npos) << bad.body;
  EXPECT_EQ(put_department(R"({"survey":{"scale":7}})").status, 400);
  EXPECT_EQ(put_department(R"({"invitation_rules":[{"text":""}]})").status, 400);
  auto saved = put_department(
      R"({"pre_chat_form":[{"id":"order","label":"Order number","kind":"text","required":true},)"
      R"({"id":"terms","label":"You may keep my data for 30 days.","kind":"consent","required":true}],)"
      R"("survey":{"scale":10,"comment":true,"questions":[{"id":"again","label":"Would you come back?","kind":"select","required":false,"options":["yes","no"]}]}})");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_NE(saved.body.find(R"("survey":{"scale":10)"), std::string::npos) << saved.body;

  auto agent = connect(*node_);
  agent_hello(*agent, agent_token("al", {"billing"}, 3));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*node_);
  const auto w = hello_billing(*visitor);
  ASSERT_EQ(w.department_status_size(), 1);
  ASSERT_EQ(w.department_status(0).pre_chat_form_size(), 2);
  EXPECT_EQ(w.department_status(0).pre_chat_form(1).kind(), pb::FIELD_KIND_CONSENT);
  EXPECT_EQ(w.department_status(0).survey().scale(), 10U);

  auto refused = join_with(*visitor, "", {{"order", "A-17"}});
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  auto ok = join_with(*visitor, "", {{"order", "A-17"}, {"terms", "true"}});
  ASSERT_TRUE(ok.has_ack()) << ok.DebugString();
  const auto conv = ok.ack().conversation_id();
  auto assigned = wait_assigned(*agent, conv, 5s);
  ASSERT_TRUE(assigned);
  ASSERT_EQ(assigned->visitor().form_size(), 2);
  EXPECT_EQ(assigned->visitor().form(0).value(), "A-17");

  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(agent->request(close).has_ack());
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(9);
  rate.mutable_rate()->set_comment("Quick, thanks");
  auto* again = rate.mutable_rate()->add_answers();
  again->set_field_id("again");
  again->set_value("yes");
  auto rated = visitor->request(rate);
  ASSERT_TRUE(rated.has_ack()) << rated.DebugString();

  // The system of record keeps both with the conversation (the rating came after the archive).
  std::vector<std::vector<std::string>> kept;
  for (int i = 0; i < 100; ++i) {
    kept = pg_query(postgres().url(),
                    "SELECT rating, rating_scale, form::text, survey_answers::text FROM "
                    "conversations WHERE id = '" +
                        conv + "'");
    if (!kept.empty() && kept[0][0] == "9") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0][0], "9");
  EXPECT_EQ(kept[0][1], "10");
  EXPECT_NE(kept[0][2].find(R"("label": "You may keep my data for 30 days.", "value": "true")"),
            std::string::npos)
      << "the consent, with the words agreed to: " << kept[0][2];
  EXPECT_NE(kept[0][3].find(R"("value": "yes")"), std::string::npos) << kept[0][3];
  const auto admin = agent_token("root", {}, 0, true);
  const auto found = call("GET", "/api/conversations/" + conv, "", admin).body;
  EXPECT_NE(found.find(R"("rating":9,"rating_scale":10)"), std::string::npos) << found;
  EXPECT_NE(
      found.find(
          R"("survey_answers":[{"field_id":"again","label":"Would you come back?","value":"yes"}])"),
      std::string::npos)
      << found;
  const auto scaled =
      pg_query(postgres().url(), "SELECT value FROM measurements WHERE measure = 'rating'");
  ASSERT_EQ(scaled.size(), 1U);
  EXPECT_EQ(scaled[0][0], "5") << "9 of 10 is 5 of 5 for the reports";
}

TEST_F(FormsAndInvitations, AnAgentOnOneNodeInvitesAVisitorOnAnotherWhoChatsWithThem) {
  auto second = start_node("n2");
  auto al = connect(*node_);
  agent_hello(*al, agent_token("al", {"billing"}, 3));
  set_presence(*al, pb::PRESENCE_STATUS_ONLINE);
  auto bo = connect(*node_);
  agent_hello(*bo, agent_token("bo", {"billing"}, 3));
  set_presence(*bo, pb::PRESENCE_STATUS_ONLINE);

  auto visitor = connect(*second);
  const auto me = visitor_hello(*visitor).user_id();
  ASSERT_TRUE(view(*visitor, "https://shop.example/pricing").has_ack());
  pb::ClientEnvelope invite;
  invite.mutable_invite()->set_visitor_id(me);
  invite.mutable_invite()->set_text("Hi, I am Bo. Questions about plans?");
  ASSERT_TRUE(bo->request(invite).has_ack());
  auto inv = invitation(*visitor);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->agent_id(), "bo");
  EXPECT_EQ(inv->text(), "Hi, I am Bo. Questions about plans?");
  auto online = call("GET", "/api/visitors/online", "", agent_token("al", {"billing"}, 3));
  EXPECT_NE(online.body.find(R"("invitation":"pending","invited_by":"Agent bo")"),
            std::string::npos)
      << online.body;

  auto ok = join_with(*visitor, inv->invitation_id(), {});
  ASSERT_TRUE(ok.has_ack()) << ok.DebugString();
  EXPECT_TRUE(wait_assigned(*bo, ok.ack().conversation_id(), 5s));
}

TEST_F(FormsAndInvitations, ADepartmentsRuleInvitesAVisitorOnAMatchingPage) {
  ASSERT_EQ(
      put_department(R"({"invitation_rules":[{"text":"Stuck at checkout?","seconds_on_page":1,)"
                     R"("url_pattern":"/checkout","visitors":"new"}]})")
          .status,
      200);
  auto al = connect(*node_);
  agent_hello(*al, agent_token("al", {"billing"}, 3));
  set_presence(*al, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*node_);
  hello_billing(*visitor);
  ASSERT_TRUE(view(*visitor, "https://shop.example/checkout/pay").has_ack());
  auto inv = invitation(*visitor, 8s);
  ASSERT_TRUE(inv);
  EXPECT_TRUE(inv->automatic());
  EXPECT_EQ(inv->agent_id(), "al");
  EXPECT_EQ(inv->text(), "Stuck at checkout?");

  pb::ClientEnvelope no;
  no.mutable_decline_invitation()->set_invitation_id(inv->invitation_id());
  ASSERT_TRUE(visitor->request(no).has_ack());
}

}  // namespace
}  // namespace lc::test
