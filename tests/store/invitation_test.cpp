// Proactive invitations in Redis (lc_invite, lc_decline_invitation, lc_invitation, and the
// invitation's part in lc_page_view, lc_join and lc_site_list), and the survey's part in lc_rate.
#include <gtest/gtest.h>

#include <thread>

#include "server/store/chat_reads.hpp"
#include "server/store/chat_store.hpp"
#include "server/store/store_error.hpp"
#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

namespace pb = livechat::v1;
using store::store_error;
using namespace std::chrono_literals;

class Invitation : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<store_env>(redis());
  }
  store::chat_store& db() { return env_->store(); }
  store::page_view_result view(const std::string& visitor, const std::string& url) {
    store::page_view_params p{visitor, url,       "Page", "",    "Firefox 121",
                              "Linux", "desktop", "en",   "UTC", 0};
    return env_->run(db().page_view(std::move(p)));
  }
  void online(const std::string& agent, std::uint32_t capacity = 2) {
    env_->run(db().agent_connect({agent, "Agent " + agent, capacity, {"billing"}}));
    env_->run(db().presence({agent, pb::PRESENCE_STATUS_ONLINE, 0}));
  }
  store::invite_result invite(const std::string& visitor, const std::string& id,
                              const std::string& agent, const std::string& rule = "",
                              std::chrono::milliseconds ttl = 600s) {
    store::invite_params p{visitor, id, agent, "billing", "Can I help?", ttl, rule};
    return env_->run(db().invite(std::move(p)));
  }
  pb::ErrorCode invite_error(const std::string& visitor, const std::string& id,
                             const std::string& agent) {
    try {
      invite(visitor, id, agent);
    } catch (const store_error& e) {
      return e.code();
    }
    return pb::ERROR_CODE_UNSPECIFIED;
  }
  store::join_result join(const std::string& conv, const std::string& visitor,
                          const std::string& invitation, const std::string& dept = "billing") {
    store::join_params j;
    j.conversation_id = conv;
    j.visitor_id = visitor;
    j.name = "Vic";
    j.department = dept;
    j.first_message = "hi";
    j.client_msg_id = "m1";
    j.invitation_id = invitation;
    j.form = "3:plan3:Plan3:pro";
    return env_->run(db().join(j));
  }
  std::string site_field(const std::string& visitor, const std::string& field) {
    return redis().command({"HGET", "lc:site:v:" + visitor, field});
  }

  std::unique_ptr<store_env> env_;
};

TEST_F(Invitation, AnAgentInvitesAVisitorOnTheSiteOnceAtATime) {
  online("alice");
  EXPECT_EQ(invite_error("v1", "i1", "alice"), pb::ERROR_CODE_NOT_FOUND) << "not on the site";
  view("v1", "https://shop.example/");
  auto r = invite("v1", "i1", "alice");
  ASSERT_TRUE(r.invitation);
  EXPECT_EQ(r.invitation->agent_name(), "Agent alice");
  EXPECT_EQ(r.invitation->department(), "billing");
  EXPECT_EQ(r.invitation->text(), "Can I help?");
  EXPECT_FALSE(r.invitation->automatic());
  EXPECT_EQ(r.site_node, "n1");
  EXPECT_GT(r.invitation->expires_at_ms(), r.invitation->at_ms());
  EXPECT_EQ(invite_error("v1", "i2", "alice"), pb::ERROR_CODE_CONFLICT) << "one at a time";
  EXPECT_EQ(invite_error("v1", "i2", "nobody"), pb::ERROR_CODE_CONFLICT);

  // Every page shows it again while it is pending, and the node that shows it reads it.
  auto again = view("v1", "https://shop.example/cart");
  ASSERT_TRUE(again.invitation);
  EXPECT_EQ(again.invitation->invitation_id(), "i1");
  auto read = env_->run(env_->reads().invitation("v1"));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->agent_id(), "alice");

  // The live list says so.
  auto list = env_->run(env_->reads().site_list(10)).visitors;
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].invitation(), "pending");
  EXPECT_EQ(list[0].invited_by(), "Agent alice");
}

TEST_F(Invitation, AcceptingPrefersTheInvitingAgentAheadOfTheQueue) {
  view("v1", "https://shop.example/");
  view("v2", "https://shop.example/");
  join("c-first", "v2", "");  // waiting already
  online("alice");
  online("bob");
  ASSERT_TRUE(invite("v1", "i1", "bob").invitation);
  auto j = join("c-inv", "v1", "i1");
  EXPECT_EQ(j.invited_by, "bob");
  EXPECT_EQ(site_field("v1", "invs"), "accepted");
  EXPECT_EQ(redis().command({"HGET", "lc:conv:c-inv", "form"}), "3:plan3:Plan3:pro");
  auto matched = env_->run(db().match("billing", 1));
  ASSERT_EQ(matched.size(), 1U) << "the invited chat is first, before the one that waited";
  EXPECT_EQ(matched[0].conversation_id, "c-inv");
  EXPECT_EQ(matched[0].agent_id, "bob");
  EXPECT_FALSE(view("v1", "https://shop.example/x").invitation) << "answered";
}

TEST_F(Invitation, AnInvitationThatIsNotPendingMakesAnOrdinaryJoin) {
  online("alice");
  view("v1", "https://shop.example/");
  ASSERT_TRUE(invite("v1", "i1", "alice").invitation);
  EXPECT_TRUE(join("c1", "v1", "i-other").invited_by.empty()) << "another id";
  EXPECT_EQ(site_field("v1", "invs"), "pending");

  view("v2", "https://shop.example/");
  ASSERT_TRUE(invite("v2", "i2", "alice").invitation);
  EXPECT_TRUE(join("c2", "v2", "i2", "tech").invited_by.empty()) << "another department";

  view("v3", "https://shop.example/");
  ASSERT_TRUE(invite("v3", "i3", "alice", "", 1ms).invitation);
  std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(view("v3", "https://shop.example/").invitation) << "expired";
  EXPECT_TRUE(join("c3", "v3", "i3").invited_by.empty());
  EXPECT_EQ(redis().command({"HGET", "lc:conv:c3", "pref"}), "");
}

TEST_F(Invitation, DecliningEndsItAndRulesInviteNoMoreThisVisit) {
  online("alice");
  view("v1", "https://shop.example/");
  ASSERT_TRUE(invite("v1", "i1", "alice").invitation);
  EXPECT_FALSE(env_->run(db().decline_invitation("v1", "i-other")));
  EXPECT_FALSE(env_->run(db().decline_invitation("v2", "i1"))) << "another visitor's";
  EXPECT_TRUE(env_->run(db().decline_invitation("v1", "i1")));
  EXPECT_FALSE(env_->run(db().decline_invitation("v1", "i1"))) << "once";
  EXPECT_FALSE(view("v1", "https://shop.example/").invitation);
  EXPECT_FALSE(invite("v1", "i2", "", "billing#0").invitation) << "a rule, after a no";
  EXPECT_TRUE(invite("v1", "i3", "alice").invitation) << "an agent's hand may still";
}

TEST_F(Invitation, ARuleInvitesInAFreeAgentsNameOncePerVisit) {
  view("v1", "https://shop.example/");
  EXPECT_FALSE(invite("v1", "i1", "", "billing#0").invitation) << "nobody free to answer";
  online("alice", 1);
  auto r = invite("v1", "i2", "", "billing#0");
  ASSERT_TRUE(r.invitation);
  EXPECT_EQ(r.invitation->agent_id(), "alice");
  EXPECT_TRUE(r.invitation->automatic());
  EXPECT_TRUE(env_->run(db().decline_invitation("v1", "i2")));
  redis().command({"HDEL", "lc:site:v:v1", "declined"});
  EXPECT_FALSE(invite("v1", "i3", "", "billing#0").invitation) << "this rule fired this visit";
  EXPECT_TRUE(invite("v1", "i4", "", "billing#1").invitation) << "another rule may";
}

TEST_F(Invitation, NobodyChattingIsInvited) {
  online("alice");
  view("v1", "https://shop.example/");
  join("c1", "v1", "");
  EXPECT_EQ(invite_error("v1", "i1", "alice"), pb::ERROR_CODE_CONFLICT);
  EXPECT_FALSE(invite("v1", "i2", "", "billing#0").invitation);
}

TEST_F(Invitation, ARatingIsOnTheSurveysScaleWithItsAnswers) {
  view("v1", "https://shop.example/");
  join("c1", "v1", "");
  env_->run(db().close({"c1", pb::ROLE_VISITOR, "v1"}));
  EXPECT_THROW(env_->run(db().rate({"c1", "v1", 3, "", 2, ""})), store_error) << "thumbs: 1..2";
  env_->run(db().rate({"c1", "v1", 2, "", 2, "1:q1:Q1:x"}));
  auto rec = env_->run(env_->reads().conversation("c1"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->rating, 2U);
  EXPECT_EQ(rec->rating_scale, 2U);
  EXPECT_EQ(rec->survey_answers, "1:q1:Q1:x");
  EXPECT_EQ(rec->form, "3:plan3:Plan3:pro");
}

}  // namespace
}  // namespace lc::test
