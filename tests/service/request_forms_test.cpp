// The department's pre-chat form and post-chat survey at the service: offered in the Welcome,
// the visitor's answers checked at the join and the rating, and the answers shown to the agent.
#include <gtest/gtest.h>

#include "tests/service/service_env.hpp"

namespace lc::test {
namespace {

class RequestForms : public service_test {
 protected:
  void SetUp() override {
    service_test::SetUp();
    record::department_row row;
    row.id = "billing";
    row.display_name = "Billing";
    row.pre_chat_form =
        R"([{"id":"plan","label":"Your plan","kind":"select","required":true,"options":["free","pro"]},)"
        R"({"id":"phone","label":"Phone","kind":"text","required":false},)"
        R"({"id":"terms","label":"I agree to the privacy policy.","kind":"consent","required":true}])";
    row.survey =
        R"({"scale":2,"comment":false,"questions":[{"id":"solved","label":"Solved?","kind":"checkbox","required":true}]})";
    env().service().departments().replace({row});
  }
  static pb::Welcome hello(fake_client& c) {
    pb::ClientEnvelope req;
    req.mutable_hello()->add_departments("billing");
    return c.request(req).welcome();
  }
  static pb::ServerEnvelope join(fake_client& c,
                                 std::vector<std::pair<std::string, std::string>> answers) {
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("Vic");
    j->set_department("billing");
    j->set_first_message("hello");
    j->set_client_msg_id("join-1");
    for (const auto& [id, value] : answers) {
      auto* a = j->add_answers();
      a->set_field_id(id);
      a->set_value(value);
    }
    return c.request(req);
  }
  static pb::ServerEnvelope rate(fake_client& c, const std::string& conv, std::uint32_t rating,
                                 const std::string& comment, const std::string& solved) {
    pb::ClientEnvelope req;
    auto* r = req.mutable_rate();
    r->set_conversation_id(conv);
    r->set_rating(rating);
    r->set_comment(comment);
    if (!solved.empty()) {
      auto* a = r->add_answers();
      a->set_field_id("solved");
      a->set_value(solved);
    }
    return c.request(req);
  }
};

TEST_F(RequestForms, TheFormIsOfferedCheckedAndShownToTheAgent) {
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 3);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  auto visitor = env().connect();
  const auto w = hello(*visitor);
  ASSERT_EQ(w.department_status_size(), 1);
  const auto& status = w.department_status(0);
  ASSERT_EQ(status.pre_chat_form_size(), 3);
  EXPECT_EQ(status.pre_chat_form(0).kind(), pb::FIELD_KIND_SELECT);
  EXPECT_EQ(status.pre_chat_form(2).label(), "I agree to the privacy policy.");
  EXPECT_EQ(status.survey().scale(), 2U);

  auto refused = join(*visitor, {{"plan", "pro"}});
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_NE(refused.error().text().find("terms"), std::string::npos) << refused.error().text();
  refused = join(*visitor, {{"plan", "enterprise"}, {"terms", "true"}});
  ASSERT_TRUE(refused.has_error());
  EXPECT_NE(refused.error().text().find("plan"), std::string::npos);
  refused = join(*visitor, {{"plan", "pro"}, {"terms", "true"}, {"lc:conv:x", "1"}});
  ASSERT_TRUE(refused.has_error()) << "no field of the form";
  EXPECT_EQ(env().redis().command({"HGET", "lc:visitor:" + w.user_id(), "open"}), "(nil)")
      << "nothing was started";

  auto ok = join(*visitor, {{"terms", "true"}, {"plan", "pro"}});
  ASSERT_TRUE(ok.has_ack()) << ok.DebugString();
  auto assigned = agent->wait_assigned(ok.ack().conversation_id());
  ASSERT_TRUE(assigned);
  const auto& form = assigned->visitor().form();
  ASSERT_EQ(form.size(), 2) << "in the form's order, the optional one unanswered";
  EXPECT_EQ(form[0].field_id(), "plan");
  EXPECT_EQ(form[0].label(), "Your plan");
  EXPECT_EQ(form[0].value(), "pro");
  EXPECT_EQ(form[1].label(), "I agree to the privacy policy.");
  EXPECT_EQ(form[1].value(), "true");
}

TEST_F(RequestForms, TheRatingFollowsTheDepartmentsSurvey) {
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 3);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  auto visitor = env().connect();
  hello(*visitor);
  const auto conv = join(*visitor, {{"plan", "free"}, {"terms", "true"}}).ack().conversation_id();
  ASSERT_TRUE(agent->wait_assigned(conv));
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(visitor->request(close).has_ack());

  auto refused = rate(*visitor, conv, 5, "", "true");
  ASSERT_TRUE(refused.has_error());
  EXPECT_NE(refused.error().text().find("1..2"), std::string::npos) << refused.error().text();
  refused = rate(*visitor, conv, 2, "great", "true");
  ASSERT_TRUE(refused.has_error()) << "this survey asks no comment";
  refused = rate(*visitor, conv, 2, "", "");
  ASSERT_TRUE(refused.has_error()) << "its question is required";
  EXPECT_EQ(env().redis().command({"HGET", "lc:conv:" + conv, "rating"}), "(nil)");

  auto ok = rate(*visitor, conv, 2, "", "true");
  ASSERT_TRUE(ok.has_ack()) << ok.DebugString();
  EXPECT_EQ(env().redis().command({"HGET", "lc:conv:" + conv, "rating"}), "2");
  EXPECT_EQ(env().redis().command({"HGET", "lc:conv:" + conv, "rscale"}), "2");
}

}  // namespace
}  // namespace lc::test
