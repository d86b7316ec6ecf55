#include "server/core/webhook.hpp"

#include <gtest/gtest.h>

#include "server/core/digest.hpp"
#include "server/core/ids.hpp"

namespace lc::core {
namespace {

TEST(Webhook, EventsAreTheSixConversationEvents) {
  EXPECT_TRUE(is_webhook_event("conversation.message"));
  EXPECT_TRUE(is_webhook_event("conversation.rated"));
  EXPECT_FALSE(is_webhook_event("conversation.*"));
  EXPECT_FALSE(is_webhook_event(""));
}

TEST(Webhook, OnlyPlainHttpAndHttpsUrlsWithAHost) {
  for (const char* ok : {"https://hooks.example.com/livechat", "http://127.0.0.1:8080/x?y=1",
                         "https://[::1]:9000/h", "http://example.com"}) {
    EXPECT_FALSE(webhook_url_problem(ok)) << ok;
  }
  for (const char* bad : {"", "ftp://example.com/", "file:///etc/passwd", "https://",
                          "http://:80/x", "https://user:pw@example.com/", "https://example.com/a b",
                          "javascript:alert(1)", "https://exa\tmple.com/"}) {
    EXPECT_TRUE(webhook_url_problem(bad)) << bad;
  }
  EXPECT_TRUE(webhook_url_problem("https://example.com/" + std::string(2048, 'a')));
}

TEST(Webhook, TheSignatureIsAnHmacOverTimestampAndBody) {
  const std::string body = R"({"event":"conversation.closed"})";
  const auto sig = webhook_signature("whsec_1", 1700000000, body);
  EXPECT_EQ(sig, "t=1700000000,v1=" + hex(hmac_sha256("whsec_1", "1700000000." + body)));
  EXPECT_NE(sig, webhook_signature("whsec_2", 1700000000, body)) << "depends on the secret";
  EXPECT_NE(sig, webhook_signature("whsec_1", 1700000001, body)) << "and on the time";
}

}  // namespace
}  // namespace lc::core
