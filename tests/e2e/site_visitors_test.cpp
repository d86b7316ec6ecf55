// The live visitor list through the real binary: a widget's page views list the visitor for
// staff (GET /api/visitors/online), and where they went during a chat stays with the
// conversation in the system of record.
#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/team_suite.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;

class SiteVisitors : public team_suite {
 protected:
  static pb::ServerEnvelope view(ws_client& ws, const std::string& url, const std::string& title) {
    pb::ClientEnvelope req;
    req.mutable_page_view()->set_url(url);
    req.mutable_page_view()->set_title(title);
    req.mutable_page_view()->set_user_agent(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Safari/605.1.15");
    req.mutable_page_view()->set_utc_offset_minutes(-300);
    return ws.request(req);
  }
};

TEST_F(SiteVisitors, StaffListWhoIsOnTheSiteAndTheChatKeepsWhereTheyWent) {
  node_.reset();
  node_ = start_node("n1", {"--keep-closed-hours", "0"});
  const auto root = agent_token("root", {}, 0, true);
  auto visitor = connect(*node_);
  const auto me = visitor_hello(*visitor).user_id();
  ASSERT_TRUE(view(*visitor, "https://shop.example/", "Home").has_ack());
  auto online = call("GET", "/api/visitors/online", "", agent_token("al", {"billing"}, 3));
  ASSERT_EQ(online.status, 200) << online.body;
  EXPECT_NE(online.body.find(R"("visitor_id":")" + me +
                             R"(","display_name":"","url":"https://shop.example/","title":"Home")"),
            std::string::npos)
      << online.body;
  EXPECT_NE(online.body.find(R"("browser":"Safari 17.1","os":"macOS 10.15","device":"desktop")"),
            std::string::npos)
      << online.body;
  EXPECT_EQ(call("GET", "/api/visitors/online").status, 401);

  auto agent = connect(*node_);
  agent_hello(*agent, agent_token("al", {"billing"}, 3));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  const auto conv = join(*visitor, "Vic", "billing", "Which plan?").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv, 5s));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(view(*visitor, "https://shop.example/plans", "Plans").has_ack());
  auto went = agent->wait_for(
      [](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().kind() == pb::EVENT_KIND_NAVIGATED;
      },
      5s);
  ASSERT_TRUE(went);
  EXPECT_EQ(went->event().page_title(), "Plans");

  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(agent->request(close).has_ack());
  std::string found;
  for (int i = 0; i < 100 && found.find("\"archived\":true") == std::string::npos; ++i) {
    found = call("GET", "/api/conversations/" + conv, "", root).body;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(found.find("\"archived\":true"), std::string::npos) << found;
  EXPECT_NE(found.find(R"("kind":"EVENT_KIND_NAVIGATED")"), std::string::npos) << found;
  EXPECT_NE(found.find(R"("text":"https://shop.example/plans")"), std::string::npos) << found;
  EXPECT_NE(found.find(R"("page_title":"Plans")"), std::string::npos) << found;
}

}  // namespace
}  // namespace lc::test
