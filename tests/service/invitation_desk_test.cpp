// Proactive invitations at the service: an agent invites a visitor on the site (on this node or
// another), the widget is shown it with the agent's name, accepting gives the chat to that
// agent, declining ends it; and the departments' rules invite by themselves.
#include <gtest/gtest.h>

#include "tests/service/service_env.hpp"

namespace lc::test {
namespace {

class InvitationDesk : public service_test {
 protected:
  static pb::ServerEnvelope view(fake_client& c, const std::string& url) {
    pb::ClientEnvelope req;
    req.mutable_page_view()->set_url(url);
    req.mutable_page_view()->set_title("Page");
    return c.request(req);
  }
  static pb::ServerEnvelope invite(fake_client& agent, const std::string& visitor,
                                   const std::string& text = "Need a hand?") {
    pb::ClientEnvelope req;
    req.mutable_invite()->set_visitor_id(visitor);
    req.mutable_invite()->set_text(text);
    return agent.request(req);
  }
  static std::optional<pb::Invitation> invitation(fake_client& c,
                                                  std::chrono::milliseconds t = 5s) {
    auto e = c.wait_for([](const pb::ServerEnvelope& e) { return e.has_invitation(); }, t);
    if (!e) return std::nullopt;
    return e->invitation();
  }
  std::unique_ptr<fake_client> online(const std::string& id) {
    auto agent = env().connect();
    agent->hello_agent(id, {"billing"}, 3);
    agent->presence(pb::PRESENCE_STATUS_ONLINE);
    return agent;
  }
};

TEST_F(InvitationDesk, AnAcceptedInvitationGoesToTheAgentWhoSentIt) {
  auto alice = online("alice");
  auto bob = online("bob");
  auto visitor = env().connect();
  const auto welcome = visitor->hello_visitor();
  const auto me = welcome.user_id();
  auto early = invite(*bob, me);
  ASSERT_TRUE(early.has_error()) << "not on the site yet";
  EXPECT_EQ(early.error().code(), pb::ERROR_CODE_NOT_FOUND);
  ASSERT_TRUE(view(*visitor, "https://shop.example/pricing").has_ack());

  ASSERT_TRUE(invite(*bob, me).has_ack());
  auto inv = invitation(*visitor);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->agent_id(), "bob");
  EXPECT_EQ(inv->text(), "Need a hand?");
  EXPECT_EQ(inv->department(), "billing");
  EXPECT_FALSE(inv->automatic());
  auto twice = invite(*alice, me);
  ASSERT_TRUE(twice.has_error());
  EXPECT_EQ(twice.error().code(), pb::ERROR_CODE_CONFLICT);

  // A route change within the page does not show it twice; the next page (a new widget, a new
  // connection) shows it again.
  env().run_for(300ms);  // past the page view throttle
  ASSERT_TRUE(view(*visitor, "https://shop.example/pricing#plans").has_ack());
  EXPECT_FALSE(invitation(*visitor, 300ms));
  visitor.reset();
  visitor = env().connect();
  visitor->hello_visitor(welcome.visitor_token());
  ASSERT_TRUE(view(*visitor, "https://shop.example/checkout").has_ack());
  auto again = invitation(*visitor);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->invitation_id(), inv->invitation_id());

  pb::ClientEnvelope join;
  auto* j = join.mutable_join();
  j->set_display_name("Vic");
  j->set_department("billing");
  j->set_first_message("yes please");
  j->set_client_msg_id("join-1");
  j->set_invitation_id(inv->invitation_id());
  auto ack = visitor->request(join);
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
  auto assigned = bob->wait_assigned(ack.ack().conversation_id());
  ASSERT_TRUE(assigned) << "bob invited; alice, as free, does not get it";
  EXPECT_FALSE(alice->wait_assigned(ack.ack().conversation_id(), 300ms));
}

TEST_F(InvitationDesk, ADeclinedInvitationIsOverAndStaffSeeIt) {
  auto alice = online("alice");
  pb::ClientEnvelope follow;
  follow.mutable_follow_board()->set_on(true);
  ASSERT_TRUE(alice->request(follow).has_ack());
  auto visitor = env().connect();
  const auto me = visitor->hello_visitor().user_id();
  ASSERT_TRUE(view(*visitor, "https://shop.example/").has_ack());
  ASSERT_TRUE(invite(*alice, me).has_ack());
  auto inv = invitation(*visitor);
  ASSERT_TRUE(inv);

  pb::ClientEnvelope no;
  no.mutable_decline_invitation()->set_invitation_id(inv->invitation_id());
  ASSERT_TRUE(visitor->request(no).has_ack());
  auto again = visitor->request(no);
  ASSERT_TRUE(again.has_error());
  EXPECT_EQ(again.error().code(), pb::ERROR_CODE_NOT_FOUND);
  auto board = alice->wait_for([&](const pb::ServerEnvelope& e) {
    if (!e.has_board()) return false;
    for (const auto& v : e.board().site_visitors()) {
      if (v.visitor_id() == me && v.invitation() == "declined") return true;
    }
    return false;
  });
  EXPECT_TRUE(board);
}

TEST_F(InvitationDesk, StaffInviteOnlyForTheirDepartments) {
  auto alice = online("alice");
  auto visitor = env().connect();
  const auto me = visitor->hello_visitor().user_id();
  ASSERT_TRUE(view(*visitor, "https://shop.example/").has_ack());
  pb::ClientEnvelope req;
  req.mutable_invite()->set_visitor_id(me);
  req.mutable_invite()->set_department("sales");
  auto r = alice->request(req);
  ASSERT_TRUE(r.has_error());
  EXPECT_NE(r.error().code(), pb::ERROR_CODE_UNSPECIFIED);
  EXPECT_FALSE(invitation(*visitor, 300ms));
}

TEST_F(InvitationDesk, ARuleInvitesAVisitorOnAMatchingPageInAnAvailableAgentsName) {
  record::department_row row;
  row.id = "billing";
  row.display_name = "Billing";
  row.invitation_rules =
      R"([{"text":"Questions about pricing?","seconds_on_page":1,"url_pattern":"*/pricing*","visitors":"all"}])";
  env().service().departments().replace({row});
  auto visitor = env().connect();
  visitor->hello_visitor();
  ASSERT_TRUE(view(*visitor, "https://shop.example/pricing").has_ack());
  EXPECT_FALSE(invitation(*visitor, 2500ms)) << "nobody online to answer";

  auto alice = online("alice");
  auto other = env().connect();
  other->hello_visitor();
  ASSERT_TRUE(view(*other, "https://shop.example/about").has_ack());
  auto fresh = env().connect();
  fresh->hello_visitor();
  ASSERT_TRUE(view(*fresh, "https://shop.example/pricing?plan=pro").has_ack());
  auto inv = invitation(*fresh, 6s);
  ASSERT_TRUE(inv);
  EXPECT_TRUE(inv->automatic());
  EXPECT_EQ(inv->agent_id(), "alice");
  EXPECT_EQ(inv->text(), "Questions about pricing?");
  EXPECT_FALSE(invitation(*other, 300ms)) << "another page";
}

TEST_F(InvitationDesk, AnInvitationReachesAVisitorOnAnotherNode) {
  service_env second(redis(), "n2");
  auto alice = online("alice");
  auto visitor = second.connect();
  const auto me = visitor->hello_visitor().user_id();
  ASSERT_TRUE(view(*visitor, "https://shop.example/").has_ack());
  ASSERT_TRUE(invite(*alice, me, "Hello from n1").has_ack());
  auto inv = invitation(*visitor);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->text(), "Hello from n1");
}

}  // namespace
}  // namespace lc::test
