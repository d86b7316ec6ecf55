// Departments as a team runs them, through the real binary and its system of record: an admin
// edits a department's hours and holidays and the widget's Welcome and joins follow at once; an
// idle chat is asked and then closed, counted apart from missed ones; a department may want a tag
// before a chat closes; a supervisor's hand on a chat is in the audit log; an admin removes a
// department nobody uses, for good, and sets how soon idle consoles go away.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/e2e/team_suite.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;

class Departments : public team_suite {
 protected:
  void SetUp() override {
    team_suite::SetUp();
    root_ = sign_in("root@example.org", admin_password).first;
  }
  http_response put_billing(const std::string& body) {
    return call("PUT", "/api/departments/billing", body, root_);
  }
  // An agent of billing, online, and a visitor whose chat they were given.
  struct chat {
    std::unique_ptr<ws_client> agent, visitor;
    std::string conv;
  };
  chat assigned_chat() {
    chat c;
    c.agent = connect(*node_);
    agent_hello(*c.agent, agent_token("al", {"billing"}, 3));
    set_presence(*c.agent, pb::PRESENCE_STATUS_ONLINE);
    c.visitor = connect(*node_);
    visitor_hello(*c.visitor);
    c.conv = join(*c.visitor, "Vic", "billing").conversation_id();
    EXPECT_TRUE(wait_assigned(*c.agent, c.conv, 5s));
    return c;
  }
  static std::string utc_date(sys_days d) {
    const year_month_day ymd{d};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return out;
  }

  std::string root_;
};

TEST_F(Departments, AnAdminsHolidayClosesTheDepartmentForTheWidgetAtOnce) {
  const auto staff = agent_token("al", {"billing"}, 3);
  auto listed = call("GET", "/api/departments", "", staff);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(R"("id":"billing")"), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find(R"("closed":false)"), std::string::npos) << "open around the clock";
  EXPECT_EQ(call("PUT", "/api/departments/billing", R"({"hours":""})", staff).status, 403);
  auto bad = put_billing(R"({"hours":"mon-fri 09:00-25:00"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("mon-fri 09:00-25:00"), std::string::npos) << "says where: " << bad.body;
  EXPECT_EQ(put_billing(R"({"time_zone":"../../etc/passwd"})").status, 400);
  EXPECT_EQ(put_billing(R"({"waiting_target_seconds":0})").status, 400);
  EXPECT_EQ(put_billing(R"({"colour":"red"})").status, 400);
  EXPECT_EQ(put_billing("[1]").status, 400);

  const auto today = floor<days>(system_clock::now());
  auto saved = put_billing(R"({"display_name":"Billing & invoices","time_zone":"UTC",)"
                           R"("holidays":")" +
                           utc_date(today) + R"("})");
  ASSERT_EQ(saved.status, 200) << saved.body;
  const auto opens_ms = duration_cast<milliseconds>((today + days(1)).time_since_epoch()).count();
  EXPECT_NE(saved.body.find(R"("closed":true)"), std::string::npos) << saved.body;
  EXPECT_NE(saved.body.find(R"("opens_at_ms":)" + std::to_string(opens_ms)), std::string::npos)
      << saved.body;

  auto widget = connect(*node_);
  pb::ClientEnvelope hello;
  hello.mutable_hello()->add_departments("billing");
  auto welcome = widget->request(hello);
  ASSERT_TRUE(welcome.has_welcome()) << welcome.DebugString();
  ASSERT_EQ(welcome.welcome().department_status_size(), 1);
  const auto& st = welcome.welcome().department_status(0);
  EXPECT_TRUE(st.closed());
  EXPECT_EQ(st.opens_at_ms(), opens_ms);
  EXPECT_EQ(st.display_name(), "Billing & invoices");
  pb::ClientEnvelope j;
  j.mutable_join()->set_display_name("Vic");
  j.mutable_join()->set_department("billing");
  j.mutable_join()->set_first_message("anyone?");
  j.mutable_join()->set_client_msg_id("j1");
  auto refused = widget->request(j);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_CONFLICT);
  EXPECT_EQ(refused.error().text().rfind("department is closed", 0), 0u);
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "0") << "nobody queued";

  ASSERT_EQ(put_billing(R"({"holidays":""})").status, 200);
  auto ack = widget->request(j);
  EXPECT_TRUE(ack.has_ack()) << ack.DebugString();
  auto audit = call("GET", "/api/audit?limit=50", "", root_);
  EXPECT_NE(audit.body.find(R"("action":"department.save")"), std::string::npos) << audit.body;
}

TEST_F(Departments, AVisitorStillWaitingWhenTheDepartmentClosesIsToldNotBeforeItOpens) {
  auto first = connect(*node_);
  visitor_hello(*first);
  const auto conv = join(*first, "Ann", "billing").conversation_id();
  auto second = connect(*node_);
  visitor_hello(*second);
  const auto other = join(*second, "Bo", "billing", "me too", "j2").conversation_id();
  const auto today = floor<days>(system_clock::now());
  ASSERT_EQ(put_billing(R"({"holidays":")" + utc_date(today) + R"("})").status, 200);
  pb::ClientEnvelope leave;
  leave.mutable_close()->set_conversation_id(other);
  ASSERT_TRUE(second->request(leave).has_ack());
  // The queue moved: the first visitor's status comes again, with the closed hours in it.
  const auto until_open = duration_cast<seconds>(today + days(1) - system_clock::now()).count();
  auto status = first->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_queue_status() && e.queue_status().conversation_id() == conv &&
               e.queue_status().position() == 1 &&
               e.queue_status().estimated_wait_seconds() >= until_open - 5;
      },
      5s);
  EXPECT_TRUE(status) << "no estimate reaching the opening";
}

TEST_F(Departments, AnIdleChatIsAskedThenClosedAndCountedApartFromMissedOnes) {
  ASSERT_EQ(put_billing(R"({"idle_prompt_after_seconds":1,"idle_close_after_seconds":1})").status,
            200);
  auto c = assigned_chat();
  ASSERT_TRUE(send_text(*c.agent, c.conv, "a1", "Here is your refund link").has_ack());
  auto asked = c.visitor->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_IDLE_PROMPT;
      },
      6s);
  ASSERT_TRUE(asked) << "the silent visitor was not asked";
  auto closed = c.visitor->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_CLOSED;
      },
      6s);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->event().sender_id(), "idle");
  EXPECT_TRUE(c.agent->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_CLOSED;
      },
      3s));
  std::string stats;
  for (int i = 0; i < 100 && stats.find(R"("idle_closed":1)") == std::string::npos; ++i) {
    stats = call("GET", "/api/stats", "", root_).body;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(stats.find(R"("idle_closed":1)"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("missed":0)"), std::string::npos) << stats;
}

TEST_F(Departments, ADepartmentWantingATagRefusesAnUntaggedCloseAndSupervisionIsAudited) {
  ASSERT_EQ(put_billing(R"({"required_tag":true})").status, 200);
  ASSERT_EQ(call("POST", "/api/tags", R"({"name":"refund"})", root_).status, 201);
  auto c = assigned_chat();
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(c.conv);
  auto refused = c.agent->request(close);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_CONFLICT);
  EXPECT_NE(refused.error().text().find("tag"), std::string::npos);

  // An admin takes it over (and tags it, as its agent now), then closes it.
  auto admin = connect(*node_);
  agent_hello(*admin, root_);
  pb::ClientEnvelope take;
  take.mutable_transfer()->set_conversation_id(c.conv);
  take.mutable_transfer()->set_to_agent_id("root");
  auto taken = admin->request(take);
  ASSERT_TRUE(taken.has_ack()) << taken.DebugString();
  ASSERT_TRUE(wait_assigned(*admin, c.conv, 5s));
  pb::ClientEnvelope tags;
  tags.mutable_set_tags()->set_conversation_id(c.conv);
  tags.mutable_set_tags()->add_tags("refund");
  ASSERT_TRUE(admin->request(tags).has_ack());
  auto closed = admin->request(close);
  EXPECT_TRUE(closed.has_ack()) << closed.DebugString();
  std::string audit;
  for (int i = 0; i < 50 && audit.find("conversation.take_over") == std::string::npos; ++i) {
    audit = call("GET", "/api/audit?limit=50", "", root_).body;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(audit.find(R"("action":"conversation.take_over")"), std::string::npos) << audit;
}

TEST_F(Departments, AnAdminRemovesADepartmentNobodyUsesAndARestartDoesNotBringItBack) {
  const auto remove_sales = [&](const std::string& token) {
    return call("DELETE", "/api/departments/sales", "", token);
  };
  EXPECT_EQ(remove_sales(agent_token("al", {"sales"}, 3)).status, 403);
  EXPECT_EQ(call("DELETE", "/api/departments/nonesuch", "", root_).status, 404);

  // Somebody waits in it: it stays until their chat is moved or closed.
  auto widget = connect(*node_);
  visitor_hello(*widget);
  const auto conv = join(*widget, "Vic", "sales").conversation_id();
  auto busy = remove_sales(root_);
  EXPECT_EQ(busy.status, 409) << busy.body;
  EXPECT_NE(busy.body.find("waiting"), std::string::npos) << busy.body;
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(widget->request(close).has_ack());

  auto removed = remove_sales(root_);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(remove_sales(root_).status, 404) << "already gone";
  EXPECT_EQ(call("GET", "/api/departments", "", root_).body.find(R"("id":"sales")"),
            std::string::npos);
  auto next = connect(*node_);
  pb::ClientEnvelope hello;
  hello.mutable_hello()->add_departments("sales");
  auto welcome = next->request(hello);
  ASSERT_TRUE(welcome.has_welcome()) << welcome.DebugString();
  EXPECT_EQ(welcome.welcome().department_status_size(), 0) << "not offered to the widget";
  pb::ClientEnvelope j;
  j.mutable_join()->set_display_name("Val");
  j.mutable_join()->set_department("sales");
  j.mutable_join()->set_client_msg_id("j1");
  auto refused = next->request(j);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  auto audit = call("GET", "/api/audit?limit=50", "", root_);
  EXPECT_NE(audit.body.find(R"("action":"department.remove")"), std::string::npos) << audit.body;

  // A node started later with the same --departments does not bring it back; a save does.
  // (Until its first read of the system of record, a new node routes its --departments.)
  node_ = start_node("n2");
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = call("GET", "/api/departments", "", root_).body.find(R"("id":"sales")") ==
           std::string::npos;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << "the removal outlives the restart";
  ASSERT_EQ(call("PUT", "/api/departments/sales", R"({"display_name":"Sales"})", root_).status,
            200);
  EXPECT_NE(call("GET", "/api/departments", "", root_).body.find(R"("id":"sales")"),
            std::string::npos);
}

TEST_F(Departments, TheLastDepartmentStaysAndAutoAwayIsSetPerDepartment) {
  for (const char* d : {"support", "tech", "sales"}) {
    ASSERT_EQ(call("DELETE", std::string("/api/departments/") + d, "", root_).status, 200) << d;
  }
  auto last = call("DELETE", "/api/departments/billing", "", root_);
  EXPECT_EQ(last.status, 409) << last.body;

  EXPECT_EQ(put_billing(R"({"auto_away_seconds":-1})").status, 400);
  EXPECT_EQ(put_billing(R"({"auto_away_seconds":"soon"})").status, 400);
  auto saved = put_billing(R"({"auto_away_seconds":120})");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_NE(saved.body.find(R"("auto_away_seconds":120)"), std::string::npos) << saved.body;
  auto console = connect(*node_);
  auto w = agent_hello(*console, agent_token("al", {"billing"}, 3));
  ASSERT_EQ(w.department_status_size(), 1);
  EXPECT_EQ(w.department_status(0).auto_away_seconds(), 120u) << "the console's idle limit";
}

}  // namespace
}  // namespace lc::test
