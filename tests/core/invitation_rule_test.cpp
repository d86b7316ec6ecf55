#include "server/core/invitation_rule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace lc::core {
namespace {

using namespace std::string_literals;

std::vector<invitation_rule> rules(std::string_view text) {
  std::string error;
  auto v = parse_json(text, &error);
  EXPECT_TRUE(v) << text << ": " << error;
  if (!v) return {};
  auto r = parse_invitation_rules(*v, &error);
  EXPECT_TRUE(r) << text << ": " << error;
  return r.value_or(std::vector<invitation_rule>{});
}

std::string rules_error(std::string_view text) {
  std::string error;
  auto v = parse_json(text, &error);
  EXPECT_TRUE(v) << text << ": " << error;
  if (!v) return {};
  EXPECT_FALSE(parse_invitation_rules(*v, &error)) << text;
  return error;
}

// One rule with `members` (without braces) besides its text.
std::string one_rule(std::string_view members) {
  return R"([{"text": "Hi!")" + std::string(members.empty() ? "" : ", ") + std::string(members) +
         "}]";
}

invitation_rule rule(std::uint32_t seconds, std::string pattern, rule_audience audience) {
  invitation_rule r;
  r.text = "Need help?";
  r.seconds_on_page = seconds;
  r.url_pattern = std::move(pattern);
  r.audience = audience;
  return r;
}

// --------------------------------------------------------------------------- parsing

TEST(InvitationRuleParse, reads_rules_and_defaults) {
  const auto r = rules(R"([
      {"text": "Questions about pricing?", "seconds_on_page": 30,
       "url_pattern": "/pricing", "visitors": "new"},
      {"text": "Welcome back!", "visitors": "returning"},
      {"text": "Hello"}])");
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r[0], (invitation_rule{"Questions about pricing?", 30, "/pricing",
                                   rule_audience::new_visitors}));
  EXPECT_EQ(r[1].text, "Welcome back!");
  EXPECT_EQ(r[1].audience, rule_audience::returning);
  EXPECT_EQ(r[1].seconds_on_page, 0U);
  EXPECT_EQ(r[2], (invitation_rule{"Hello", 0, "", rule_audience::all}));
  EXPECT_EQ(rules(one_rule(R"("visitors": "all")"))[0].audience, rule_audience::all);
  EXPECT_TRUE(rules("[]").empty());
}

TEST(InvitationRuleParse, refuses_what_is_not_an_array_of_objects) {
  EXPECT_EQ(rules_error(R"({"text": "Hi"})"), "invitation_rules must be an array");
  EXPECT_EQ(rules_error(R"([{"text": "Hi"}, []])"), "invitation_rules[1] must be an object");
}

TEST(InvitationRuleParse, refuses_unknown_members) {
  EXPECT_EQ(rules_error(one_rule(R"("delay": 5)")), "unknown field 'delay' in invitation_rules[0]");
  EXPECT_EQ(rules_error(R"([{"text": "a"}, {"text": "b", "Text": "c"}])"),
            "unknown field 'Text' in invitation_rules[1]");
}

TEST(InvitationRuleParse, text_is_required_and_bounded) {
  const std::string reason = "invitation_rules[0].text: 1..500 bytes of UTF-8";
  EXPECT_EQ(rules_error(R"([{"seconds_on_page": 5}])"), reason);
  EXPECT_EQ(rules_error(R"([{"text": ""}])"), reason);
  EXPECT_EQ(rules_error(R"([{"text": 5}])"), reason);
  const std::string text500(500, 't');
  EXPECT_EQ(rules(R"([{"text": ")" + text500 + "\"}]")[0].text, text500);
  EXPECT_EQ(rules_error(R"([{"text": ")" + text500 + "t\"}]"), reason);
  // Bytes, not characters: 250 two-byte letters fill it.
  std::string umlauts;
  for (int i = 0; i < 250; ++i) umlauts += "\xC3\xBC";
  EXPECT_EQ(rules(R"([{"text": ")" + umlauts + "\"}]")[0].text, umlauts);
  EXPECT_EQ(rules_error(R"([{"text": ")" + umlauts + "u\"}]"), reason);
}

TEST(InvitationRuleParse, seconds_are_an_integer_up_to_an_hour) {
  EXPECT_EQ(rules(one_rule(R"("seconds_on_page": 0)"))[0].seconds_on_page, 0U);
  EXPECT_EQ(rules(one_rule(R"("seconds_on_page": 3600)"))[0].seconds_on_page, 3600U);
  for (std::string_view bad :
       {"-1", "3601", "1.5", "1e2", "\"30\"", "null", "true", "99999999999999999999"}) {
    EXPECT_EQ(rules_error(one_rule(R"("seconds_on_page": )" + std::string(bad))),
              "invitation_rules[0].seconds_on_page: 0..3600")
        << bad;
  }
}

TEST(InvitationRuleParse, url_pattern_is_a_bounded_string) {
  const std::string reason = "invitation_rules[0].url_pattern: a string of at most 300 bytes";
  const std::string pattern300 = "*/" + std::string(298, 'p');
  EXPECT_EQ(rules(one_rule(R"("url_pattern": ")" + pattern300 + "\""))[0].url_pattern, pattern300);
  EXPECT_EQ(rules_error(one_rule(R"("url_pattern": ")" + pattern300 + "p\"")), reason);
  EXPECT_EQ(rules_error(one_rule(R"("url_pattern": ["/a"])")), reason);
  EXPECT_EQ(rules(one_rule(R"("url_pattern": "")"))[0].url_pattern, "");
}

TEST(InvitationRuleParse, visitors_are_all_new_or_returning) {
  for (std::string_view bad : {"\"New\"", "\"everyone\"", "\"\"", "1", "null"}) {
    EXPECT_EQ(rules_error(one_rule(R"("visitors": )" + std::string(bad))),
              "invitation_rules[0].visitors: all, new or returning")
        << bad;
  }
}

TEST(InvitationRuleParse, at_most_ten_rules) {
  auto n_rules = [](int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? "," : "") + R"({"text": "r)"s + std::to_string(i) + "\"}";
    return s + "]";
  };
  EXPECT_EQ(rules(n_rules(10)).size(), 10U);
  EXPECT_EQ(rules_error(n_rules(11)), "invitation_rules: at most 10 rules");
}

// --------------------------------------------------------------------------- round trips

TEST(InvitationRuleJson, round_trips_exactly) {
  const std::vector<invitation_rule> r{rule(30, "https://shop.example/*/cart", rule_audience::all),
                                       rule(0, "", rule_audience::new_visitors),
                                       rule(3600, "\"q\"\n", rule_audience::returning)};
  const std::string text = rules_json(r);
  EXPECT_EQ(text.substr(0, text.find('}') + 1),
            R"([{"text":"Need help?","seconds_on_page":30,)"
            R"("url_pattern":"https://shop.example/*/cart","visitors":"all"})");
  const auto back = rules_from_text(text);
  ASSERT_TRUE(back) << text;
  EXPECT_EQ(*back, r);
  EXPECT_EQ(rules_json(*back), text);
  json_writer j;
  j.begin_object().key("invitation_rules");
  write_rules_json(j, {});
  j.end_object();
  EXPECT_EQ(j.str(), R"({"invitation_rules":[]})");
}

TEST(InvitationRuleJson, stored_text_empty_is_no_rules_and_garbage_is_nothing) {
  const auto none = rules_from_text("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(rules_from_text("[{"));
  EXPECT_FALSE(rules_from_text(R"([{"text": ""}])"));
}

// --------------------------------------------------------------------------- URL patterns

TEST(InvitationRuleUrl, empty_matches_every_page) {
  EXPECT_TRUE(url_pattern_matches("", "https://example.com/"));
  EXPECT_TRUE(url_pattern_matches("", ""));
}

TEST(InvitationRuleUrl, without_a_star_the_url_contains_it) {
  EXPECT_TRUE(url_pattern_matches("/pricing", "https://example.com/pricing?plan=pro"));
  EXPECT_TRUE(url_pattern_matches("example.com", "https://example.com/"));
  EXPECT_FALSE(url_pattern_matches("/Pricing", "https://example.com/pricing"))
      << "paths are case-sensitive";
  EXPECT_FALSE(url_pattern_matches("/pricing", "https://example.com/price"));
  EXPECT_FALSE(url_pattern_matches("x", ""));
}

TEST(InvitationRuleUrl, a_star_pattern_covers_the_whole_url) {
  // Prefix.
  EXPECT_TRUE(url_pattern_matches("https://example.com/*", "https://example.com/a/b"));
  EXPECT_TRUE(url_pattern_matches("https://example.com/*", "https://example.com/"));
  EXPECT_FALSE(url_pattern_matches("https://example.com/*", "http://example.com/a"));
  // Suffix.
  EXPECT_TRUE(url_pattern_matches("*/checkout", "https://example.com/shop/checkout"));
  EXPECT_FALSE(url_pattern_matches("*/checkout", "https://example.com/checkout/done"))
      << "with a star the whole URL must match, not a part";
  // Middle: a star spans slashes.
  EXPECT_TRUE(
      url_pattern_matches("https://*.example.com/help", "https://eu.shop.example.com/help"));
  EXPECT_FALSE(url_pattern_matches("https://*.example.com/help", "https://example.com/help"));
  // Several stars.
  EXPECT_TRUE(url_pattern_matches("*/product/*/reviews*", "https://x.io/product/42/reviews?p=2"));
  EXPECT_TRUE(url_pattern_matches("*/product/*/reviews*", "https://x.io/product//reviews"));
  EXPECT_FALSE(url_pattern_matches("*/product/*/reviews*", "https://x.io/product/42/review"));
  EXPECT_TRUE(url_pattern_matches("a**b", "ab"));
  EXPECT_TRUE(url_pattern_matches("*ab*ab", "xabyabab"));
  EXPECT_FALSE(url_pattern_matches("*ab*ab", "xabyaba"));
  // Star only.
  EXPECT_TRUE(url_pattern_matches("*", ""));
  EXPECT_TRUE(url_pattern_matches("*", "https://example.com/anything"));
  // Nothing else is special.
  EXPECT_FALSE(url_pattern_matches("*/a?b", "https://x.io/acb"));
  EXPECT_TRUE(url_pattern_matches("*/a?b", "https://x.io/a?b"));
  EXPECT_FALSE(url_pattern_matches("*/a.b", "https://x.io/acb"));
}

TEST(InvitationRuleUrl, a_pathological_pattern_fails_fast) {
  const std::string url(200'000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(url_pattern_matches("*a*a*a*a*a*b", url));
  EXPECT_TRUE(url_pattern_matches("*a*a*a*a*a*", url));
  EXPECT_FALSE(url_pattern_matches("*aaaaaaaaaaaaaaaaaaaab*", url));
  const auto took = std::chrono::steady_clock::now() - start;
  // Backtracking over every split of 200 000 characters among five stars would never finish;
  // the greedy match takes milliseconds even unoptimised.
  EXPECT_LT(took, std::chrono::seconds(2));
}

// --------------------------------------------------------------------------- matching a visitor

TEST(InvitationRuleMatch, waits_the_seconds_on_a_matching_page) {
  const auto r = rule(30, "/pricing", rule_audience::all);
  EXPECT_FALSE(rule_matches(r, "https://example.com/pricing", 29, 0));
  EXPECT_TRUE(rule_matches(r, "https://example.com/pricing", 30, 0));
  EXPECT_TRUE(rule_matches(r, "https://example.com/pricing", 3600, 0));
  EXPECT_FALSE(rule_matches(r, "https://example.com/about", 60, 0));
  EXPECT_TRUE(rule_matches(rule(0, "", rule_audience::all), "https://example.com/", 0, 0));
}

TEST(InvitationRuleMatch, audiences) {
  const std::string url = "https://example.com/";
  EXPECT_TRUE(rule_matches(rule(0, "", rule_audience::all), url, 0, 0));
  EXPECT_TRUE(rule_matches(rule(0, "", rule_audience::all), url, 0, 3));
  EXPECT_TRUE(rule_matches(rule(0, "", rule_audience::new_visitors), url, 0, 0));
  EXPECT_FALSE(rule_matches(rule(0, "", rule_audience::new_visitors), url, 0, 1));
  EXPECT_FALSE(rule_matches(rule(0, "", rule_audience::returning), url, 0, 0));
  EXPECT_TRUE(rule_matches(rule(0, "", rule_audience::returning), url, 0, 1));
  EXPECT_TRUE(rule_matches(rule(0, "", rule_audience::returning), url, 0, 40));
}

}  // namespace
}  // namespace lc::core
