#include "server/record/webhooks.hpp"

#include <gtest/gtest.h>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

webhook_row hook(std::vector<std::string> events, bool enabled = true) {
  webhook_row w;
  w.url = "http://127.0.0.1:9/h";
  w.secret = "whsec_test";
  w.events = std::move(events);
  w.enabled = enabled;
  w.created_by = "root";
  w.created_ms = 1000;
  return w;
}

TEST(Webhooks, AddListUpdateRemove) {
  test::record_env env;
  auto a = add_webhook(env.db(), hook({"conversation.created", "conversation.closed"}));
  EXPECT_GT(a.id, 0);
  auto listed = list_webhooks(env.db());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].events,
            (std::vector<std::string>{"conversation.created", "conversation.closed"}));
  a.enabled = false;
  a.url = "https://hooks.example.com/x";
  a.updated_ms = 2000;
  EXPECT_TRUE(update_webhook(env.db(), a));
  auto found = find_webhook(env.db(), a.id);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->enabled);
  EXPECT_EQ(found->url, "https://hooks.example.com/x");
  EXPECT_TRUE(remove_webhook(env.db(), a.id, 3000));
  EXPECT_FALSE(remove_webhook(env.db(), a.id, 3001));
  EXPECT_FALSE(find_webhook(env.db(), a.id));
  EXPECT_TRUE(list_webhooks(env.db()).empty());
  EXPECT_FALSE(update_webhook(env.db(), a)) << "removed";
}

TEST(Webhooks, AnEventGoesToEachSubscribedEnabledEndpointOncePerKey) {
  test::record_env env;
  auto closed = add_webhook(env.db(), hook({"conversation.closed"}));
  add_webhook(env.db(), hook({"conversation.message"}));
  add_webhook(env.db(), hook({"conversation.closed"}, false));
  EXPECT_EQ(enqueue_delivery(env.db(), "conversation.closed", "c1:9", "{}", 5000), 1u);
  EXPECT_EQ(enqueue_delivery(env.db(), "conversation.closed", "c1:9", "{}", 5001), 0u)
      << "the same event again is no second delivery";
  EXPECT_EQ(enqueue_delivery(env.db(), "conversation.rated", "c1:10", "{}", 5002), 0u);
  auto log = list_deliveries(env.db(), closed.id, 10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state, "pending");
  EXPECT_EQ(log[0].idempotency_key, "c1:9");
}

TEST(Webhooks, AClaimLeasesDueDeliveriesAndTheOutcomeIsRecorded) {
  test::record_env env;
  auto w = add_webhook(env.db(), hook({"conversation.closed"}));
  enqueue_delivery(env.db(), "conversation.closed", "k1", R"({"a":1})", 5000);
  enqueue_delivery(env.db(), "conversation.closed", "k2", R"({"a":2})", 5000);
  auto taken = claim_deliveries(env.db(), 6000, 60000, 10);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].url, w.url);
  EXPECT_EQ(taken[0].secret, w.secret);
  EXPECT_EQ(taken[0].attempts, 1);
  EXPECT_EQ(taken[0].body, R"({"a":1})");
  EXPECT_TRUE(claim_deliveries(env.db(), 6001, 60000, 10).empty()) << "leased to the first";

  finish_delivery(env.db(), taken[0].id, true, 200, "", 6100, std::nullopt);
  finish_delivery(env.db(), taken[1].id, false, 503, "HTTP 503", 6100, 7100);
  EXPECT_TRUE(claim_deliveries(env.db(), 7000, 60000, 10).empty()) << "not due yet";
  auto again = claim_deliveries(env.db(), 7100, 60000, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].idempotency_key, "k2");
  EXPECT_EQ(again[0].attempts, 2);
  finish_delivery(env.db(), again[0].id, false, 0, "connection refused", 7200, std::nullopt);

  auto log = list_deliveries(env.db(), w.id, 10);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].state, "failed") << "newest first: k2, given up";
  EXPECT_EQ(log[0].last_error, "connection refused");
  EXPECT_EQ(log[0].done_ms, 7200);
  EXPECT_EQ(log[1].state, "delivered");
  EXPECT_EQ(log[1].last_status, 200);
  EXPECT_TRUE(claim_deliveries(env.db(), 99999999, 60000, 10).empty());
}

TEST(Webhooks, ADisabledEndpointsDeliveriesWait) {
  test::record_env env;
  auto w = add_webhook(env.db(), hook({"conversation.closed"}));
  enqueue_delivery(env.db(), "conversation.closed", "k1", "{}", 5000);
  w.enabled = false;
  update_webhook(env.db(), w);
  EXPECT_TRUE(claim_deliveries(env.db(), 6000, 1000, 10).empty());
  w.enabled = true;
  update_webhook(env.db(), w);
  EXPECT_EQ(claim_deliveries(env.db(), 6000, 1000, 10).size(), 1u);
}

}  // namespace
}  // namespace lc::record
