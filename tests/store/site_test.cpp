// The live visitor list in Redis (lc_page_view, lc_site_alive, lc_site_left, lc_site_list,
// lc_site_visit): a visit spans page loads, lapses when the visitor is gone, and a page change
// during a chat is a NAVIGATED event for staff.
#include <gtest/gtest.h>

#include <algorithm>

#include "server/store/chat_store.hpp"
#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

namespace pb = livechat::v1;

class Site : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<store_env>(redis());
  }
  store::page_view_result view(const std::string& visitor, const std::string& url,
                               const std::string& title = "A page") {
    store::page_view_params p{visitor, url,       title,   "https://search.example/", "Firefox 121",
                              "Linux", "desktop", "de-DE", "Europe/Berlin",           60};
    return env_->run(env_->store().page_view(std::move(p)));
  }
  void join(const std::string& conv, const std::string& visitor) {
    store::join_params j;
    j.conversation_id = conv;
    j.visitor_id = visitor;
    j.name = "Vic";
    j.department = "billing";
    j.first_message = "hi";
    j.client_msg_id = "m1";
    env_->run(env_->store().join(j));
  }
  std::vector<pb::SiteVisitor> list() { return env_->run(env_->reads().site_list(100)).visitors; }
  std::int64_t lapses_at(const std::string& visitor) {
    return std::stoll(redis().command({"ZSCORE", "lc:site", visitor}));
  }

  std::unique_ptr<store_env> env_;
};

TEST_F(Site, AVisitSpansItsPagesAndReloadsAreNotNewPages) {
  const auto first = view("v1", "https://shop.example/", "Home");
  EXPECT_EQ(first.navigated_seq, 0U) << "no chat";
  view("v1", "https://shop.example/", "Home");  // a reload
  const auto second = view("v1", "https://shop.example/cart", "Cart");
  auto all = list();
  ASSERT_EQ(all.size(), 1U);
  const auto& v = all[0];
  EXPECT_EQ(v.visitor_id(), "v1");
  EXPECT_EQ(v.url(), "https://shop.example/cart");
  EXPECT_EQ(v.title(), "Cart");
  EXPECT_EQ(v.pages(), 2U);
  EXPECT_EQ(v.on_site_since_ms(), first.at_ms);
  EXPECT_EQ(v.on_page_since_ms(), second.at_ms);
  EXPECT_EQ(v.referrer(), "https://search.example/");
  EXPECT_EQ(v.browser(), "Firefox 121");
  EXPECT_EQ(v.device(), "desktop");
  EXPECT_EQ(v.time_zone(), "Europe/Berlin");
  EXPECT_EQ(v.utc_offset_minutes(), 60);
  EXPECT_EQ(v.previous_chats(), 0U);
  EXPECT_TRUE(v.conversation_id().empty());

  auto visit = env_->run(env_->reads().site_visit("v1"));
  ASSERT_TRUE(visit);
  ASSERT_EQ(visit->pages.size(), 2U);
  EXPECT_EQ(visit->pages[0].title(), "Cart") << "newest first";
  EXPECT_EQ(visit->pages[1].url(), "https://shop.example/");
  EXPECT_FALSE(env_->run(env_->reads().site_visit("v2")));
}

TEST_F(Site, LeavingShortensTheVisitAndTheHeartbeatKeepsIt) {
  view("v1", "https://shop.example/");
  const auto full = lapses_at("v1");
  env_->run(env_->store().site_left("v1"));
  const auto left = lapses_at("v1");
  EXPECT_LT(left, full - 30000) << "a quarter of a minute, not a minute";
  env_->run(env_->store().site_alive({"v1", "v-gone"}));
  EXPECT_GE(lapses_at("v1"), full) << "a connection is open again";
  EXPECT_EQ(redis().command({"ZSCORE", "lc:site", "v-gone"}), "(nil)")
      << "the heartbeat brings nobody back";
  // Past the deadline the list drops them.
  redis().command({"ZADD", "lc:site", "1", "v1"});
  EXPECT_TRUE(list().empty());
}

TEST_F(Site, ANewPageDuringAChatIsANavigatedEventForStaffOnly) {
  join("c-site-1", "v1");
  view("v1", "https://shop.example/cart", "Cart");
  view("v1", "https://shop.example/cart", "Cart (1)");  // the same page, retitled
  const auto moved = view("v1", "https://shop.example/checkout", "Checkout");
  auto events = env_->run(env_->reads().events("c-site-1", 0));
  std::vector<pb::ChatEvent> navigated;
  for (const auto& e : events) {
    if (e.kind() == pb::EVENT_KIND_NAVIGATED) navigated.push_back(e);
  }
  ASSERT_EQ(navigated.size(), 2U) << "the retitled page is the same page";
  EXPECT_EQ(navigated[1].seq(), moved.navigated_seq);
  EXPECT_EQ(navigated[1].text(), "https://shop.example/checkout");
  EXPECT_EQ(navigated[1].page_title(), "Checkout");
  EXPECT_EQ(navigated[1].sender_role(), pb::ROLE_VISITOR);
  auto all = list();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].conversation_id(), "c-site-1");
  EXPECT_EQ(all[0].display_name(), "Vic");
  EXPECT_EQ(all[0].title(), "Checkout");
}

TEST_F(Site, AChatTakesAFewHundredNavigationsAtMost) {
  join("c-site-2", "v2");
  for (int i = 0; i < 205; ++i) view("v2", "https://shop.example/p" + std::to_string(i));
  auto events = env_->run(env_->reads().events("c-site-2", 0));
  const auto navigated = std::count_if(events.begin(), events.end(), [](const pb::ChatEvent& e) {
    return e.kind() == pb::EVENT_KIND_NAVIGATED;
  });
  EXPECT_EQ(navigated, 200);
  EXPECT_EQ(list().at(0).url(), "https://shop.example/p204") << "the list still follows them";
}

TEST_F(Site, ErasureTakesTheVisitToo) {
  view("v1", "https://shop.example/");
  env_->run(env_->store().erase_visitor("v1"));
  EXPECT_TRUE(list().empty());
  EXPECT_EQ(redis().command({"EXISTS", "lc:site:v:v1"}), "0");
}

}  // namespace
}  // namespace lc::test
