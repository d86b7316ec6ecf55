#include "server/core/user_agent.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

void expect(std::string_view ua, const std::string& browser, const std::string& os,
            const std::string& device) {
  const auto s = summarize_user_agent(ua);
  EXPECT_EQ(s.browser, browser) << ua;
  EXPECT_EQ(s.os, os) << ua;
  EXPECT_EQ(s.device, device) << ua;
}

TEST(UserAgent, TheCommonBrowsersAndSystems) {
  expect(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.6099.130 Safari/537.36",
      "Chrome 120", "Windows", "desktop");
  expect(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
      "Edge 120", "Windows", "desktop");
  expect(
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.1 Safari/605.1.15",
      "Safari 17.1", "macOS 10.15", "desktop");
  expect("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
         "Firefox 121", "Linux", "desktop");
  expect(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
      "like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
      "Safari 17.1", "iOS 17.1", "mobile");
  expect(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
      "Chrome 120", "iOS 17.1", "mobile");
  expect(
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.6099.144 Mobile Safari/537.36",
      "Chrome 120", "Android 14", "mobile");
  expect(
      "Mozilla/5.0 (Linux; Android 13; SM-X706B) AppleWebKit/537.36 (KHTML, like Gecko) "
      "SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36",
      "Samsung Internet 23", "Android 13", "tablet");
  expect(
      "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/16.6 Mobile/15E148 Safari/604.1",
      "Safari 16.6", "iOS 16.6", "tablet");
  expect(
      "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36 OPR/105.0.0.0",
      "Opera 105", "ChromeOS", "desktop");
}

TEST(UserAgent, NothingIsGuessed) {
  expect("", "", "", "");
  expect("curl/8.4.0", "", "", "desktop");
  expect("Googlebot/2.1 (+http://www.google.com/bot.html)", "", "", "desktop");
  expect("Chrome/", "Chrome", "", "desktop");
  expect("Mozilla/5.0 (Linux; Android", "", "Android", "tablet");
}

}  // namespace
}  // namespace lc::core
