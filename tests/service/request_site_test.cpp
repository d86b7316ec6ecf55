// The visitor's place on the site (PageView) as staff see it: the live visitor list in the
// Board, the visit in the Assigned context, and NAVIGATED events in the chat that never reach
// the visitor.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/service/service_env.hpp"

namespace lc::test {
namespace {

constexpr const char* chrome_android =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36";

class RequestSite : public service_test {
 protected:
  static pb::ServerEnvelope view(fake_client& c, const std::string& url, const std::string& title) {
    pb::ClientEnvelope req;
    auto* p = req.mutable_page_view();
    p->set_url(url);
    p->set_title(title);
    p->set_referrer("https://search.example/");
    p->set_language("fr-FR");
    p->set_time_zone("Europe/Paris");
    p->set_utc_offset_minutes(60);
    p->set_user_agent(chrome_android);
    return c.request(req);
  }
  // The next Board the agent gets with the visitor on `url`.
  static std::optional<pb::SiteVisitor> listed(fake_client& agent, const std::string& visitor,
                                               const std::string& url) {
    std::optional<pb::SiteVisitor> found;
    agent.wait_for([&](const pb::ServerEnvelope& e) {
      if (!e.has_board()) return false;
      for (const auto& v : e.board().site_visitors()) {
        if (v.visitor_id() == visitor && v.url() == url) found = v;
      }
      return found.has_value();
    });
    return found;
  }
};

TEST_F(RequestSite, StaffSeeTheVisitorOnTheSiteAndWhereTheyGoDuringTheChat) {
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 3);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  pb::ClientEnvelope follow;
  follow.mutable_follow_board()->set_on(true);
  ASSERT_TRUE(agent->request(follow).has_ack());

  auto visitor = env().connect();
  const auto me = visitor->hello_visitor().user_id();
  ASSERT_TRUE(view(*visitor, "https://shop.example/pricing", "Pricing").has_ack());
  auto seen = listed(*agent, me, "https://shop.example/pricing");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->title(), "Pricing");
  EXPECT_EQ(seen->browser(), "Chrome 120");
  EXPECT_EQ(seen->os(), "Android 14");
  EXPECT_EQ(seen->device(), "mobile");
  EXPECT_EQ(seen->language(), "fr-FR");
  EXPECT_EQ(seen->utc_offset_minutes(), 60);
  EXPECT_EQ(seen->pages(), 1U);

  const auto conv = visitor->join("Vic").conversation_id();
  auto assigned = agent->wait_assigned(conv);
  ASSERT_TRUE(assigned);
  EXPECT_EQ(assigned->visitor().site().url(), "https://shop.example/pricing");
  EXPECT_EQ(assigned->visitor().site().conversation_id(), conv);
  ASSERT_EQ(assigned->visitor().pages_size(), 1);
  EXPECT_EQ(assigned->visitor().pages(0).title(), "Pricing");

  env().run_for(300ms);  // past the page view throttle
  ASSERT_TRUE(view(*visitor, "https://shop.example/checkout", "Checkout").has_ack());
  auto moved = agent->wait_for([](const pb::ServerEnvelope& e) {
    return e.has_event() && e.event().kind() == pb::EVENT_KIND_NAVIGATED;
  });
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->event().text(), "https://shop.example/checkout");
  EXPECT_EQ(moved->event().page_title(), "Checkout");
  EXPECT_TRUE(listed(*agent, me, "https://shop.example/checkout"));

  // The visitor never hears of it.
  ASSERT_TRUE(visitor->send_text(conv, "v1", "still here").has_ack());
  auto events = visitor->events(conv);
  EXPECT_TRUE(std::none_of(events.begin(), events.end(), [](const pb::ChatEvent& e) {
    return e.kind() == pb::EVENT_KIND_NAVIGATED;
  }));
}

TEST_F(RequestSite, PageViewsAreThrottledAndChecked) {
  auto visitor = env().connect();
  visitor->hello_visitor();
  ASSERT_TRUE(view(*visitor, "https://shop.example/a", "A").has_ack());
  auto fast = view(*visitor, "https://shop.example/b", "B");
  ASSERT_TRUE(fast.has_error());
  EXPECT_EQ(fast.error().code(), pb::ERROR_CODE_RATE_LIMITED);
  auto bad = view(*visitor, "javascript:alert(1)", "x");
  ASSERT_TRUE(bad.has_error());
  EXPECT_EQ(bad.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 3);
  auto refused = view(*agent, "https://shop.example/", "x");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace lc::test
