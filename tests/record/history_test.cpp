#include "server/record/history.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;

history_query admin_query(const std::string& text = "") {
  history_query q;
  q.text = text;
  q.admin = true;
  q.caller = "root";
  return q;
}

void archive(pg_connection& db, int n, const std::string& text, const std::string& language,
             const std::string& department = "billing", const std::string& agent = "alice") {
  auto c = test::sample_conversation(test::conv_id(n), test::visitor_id(n), t0 + n * 1000, 2, text);
  c.metadata["language"] = language;
  c.department = department;
  c.agent_id = agent;
  c.agents = {agent};
  auto& company = c.form.emplace_back();
  company.set_field_id("company");
  company.set_label("Company");
  company.set_value("Secret Corp");
  c.survey_answers = c.form;
  write_archive(db, c);
}

std::vector<std::string> ids(const history_page& page) {
  std::vector<std::string> out;
  for (const auto& h : page.hits) out.push_back(h.id);
  return out;
}

TEST(History, FindsWordsByTheirStemInTheConversationsLanguage) {
  test::record_env env;
  archive(env.db(), 1, "My parcels were never delivered", "en-US");
  archive(env.db(), 2, "Die Rechnungen sind falsch", "de-DE");
  archive(env.db(), 3, "Something else entirely", "en");
  EXPECT_EQ(ids(search_history(env.db(), admin_query("parcel delivering"))),
            std::vector<std::string>{test::conv_id(1)});
  EXPECT_EQ(ids(search_history(env.db(), admin_query("Rechnung"))),
            std::vector<std::string>{test::conv_id(2)});
  EXPECT_TRUE(search_history(env.db(), admin_query("nothing-like-this")).hits.empty());
}

TEST(History, FindsTextInLanguagesWithoutAStemmer) {
  test::record_env env;
  archive(env.db(), 1, "注文した商品がまだ届きません", "ja-JP");
  archive(env.db(), 2, "我的订单还没有到", "zh-CN");
  archive(env.db(), 3, "Заказ не пришёл", "ru");
  EXPECT_EQ(ids(search_history(env.db(), admin_query("商品"))),
            std::vector<std::string>{test::conv_id(1)});
  EXPECT_EQ(ids(search_history(env.db(), admin_query("订单"))),
            std::vector<std::string>{test::conv_id(2)});
  EXPECT_EQ(ids(search_history(env.db(), admin_query("заказы"))),
            std::vector<std::string>{test::conv_id(3)});
  // Wildcards in the query are literal characters, not patterns.
  EXPECT_TRUE(search_history(env.db(), admin_query("%")).hits.empty());
  auto hit = search_history(env.db(), admin_query("商品")).hits.at(0);
  EXPECT_NE(hit.snippet.find("商品"), std::string::npos);
}

TEST(History, PagesAreNewestFirstAndCursorsContinueWithoutOverlap) {
  test::record_env env;
  for (int i = 0; i < 23; ++i) archive(env.db(), i, "hello", "en");
  auto q = admin_query();
  q.limit = 10;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto p = search_history(env.db(), q);
    for (const auto& h : p.hits) seen.push_back(h.id);
    if (p.next_cursor.empty()) break;
    q.cursor = p.next_cursor;
  }
  ASSERT_EQ(seen.size(), 23u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 23u);
  EXPECT_EQ(seen.front(), test::conv_id(22));
  EXPECT_EQ(seen.back(), test::conv_id(0));
  EXPECT_FALSE(valid_history_cursor("12.c123"));
  EXPECT_FALSE(valid_history_cursor("x." + test::conv_id(1)));
  EXPECT_TRUE(valid_history_cursor("12." + test::conv_id(1)));
}

TEST(History, FiltersAndTheCallersScope) {
  test::record_env env;
  archive(env.db(), 1, "one", "en", "billing", "alice");
  archive(env.db(), 2, "two", "en", "sales", "bob");
  archive(env.db(), 3, "three", "en", "sales", "alice");  // alice had it, in another department
  history_query q;
  q.caller = "alice";
  q.caller_departments = {"billing"};
  EXPECT_EQ(ids(search_history(env.db(), q)),
            (std::vector<std::string>{test::conv_id(3), test::conv_id(1)}));
  q.caller = "carol";
  EXPECT_EQ(ids(search_history(env.db(), q)), std::vector<std::string>{test::conv_id(1)});
  auto a = admin_query();
  a.agent = "bob";
  EXPECT_EQ(ids(search_history(env.db(), a)), std::vector<std::string>{test::conv_id(2)});
  a = admin_query();
  a.visitor = test::visitor_id(3);
  EXPECT_EQ(ids(search_history(env.db(), a)), std::vector<std::string>{test::conv_id(3)});
  a = admin_query();
  a.email = "VIC@example.com";
  EXPECT_EQ(search_history(env.db(), a).hits.size(), 3u);
  a = admin_query();
  a.department = "sales";
  a.from_ms = t0 + 5500;  // conversation 2 closed at t0 + 5000, 3 at t0 + 6000
  EXPECT_EQ(ids(search_history(env.db(), a)), std::vector<std::string>{test::conv_id(3)});
  a = admin_query();
  a.rating = 5;
  EXPECT_TRUE(search_history(env.db(), a).hits.empty());

  conversation_archive c;
  ASSERT_TRUE(read_archive(env.db(), test::conv_id(2), c));
  EXPECT_TRUE(may_read(c, true, "root", {}));
  EXPECT_TRUE(may_read(c, false, "bob", {}));
  EXPECT_TRUE(may_read(c, false, "zed", {"sales"}));
  EXPECT_FALSE(may_read(c, false, "alice", {"billing"}));
}

TEST(History, RetentionDeletesOrAnonymisesWhatIsOld) {
  test::record_env env;
  const char* fruit[] = {"apple", "berry", "cherry", "damson", "elder", "fig"};
  for (int i = 0; i < 6; ++i) archive(env.db(), i, std::string("secret ") + fruit[i], "en");
  conversation_archive c;
  ASSERT_TRUE(read_archive(env.db(), test::conv_id(0), c));
  const auto cutoff = c.closed_ms + 2500;  // conversations 0, 1 and 2 closed before it
  EXPECT_EQ(apply_retention(env.db(), cutoff, retention_mode::anonymise, 2, t0), 2u);
  EXPECT_EQ(apply_retention(env.db(), cutoff, retention_mode::anonymise, 2, t0), 1u);
  EXPECT_EQ(apply_retention(env.db(), cutoff, retention_mode::anonymise, 2, t0), 0u);
  ASSERT_TRUE(read_archive(env.db(), test::conv_id(1), c));
  EXPECT_EQ(c.visitor_name, "");
  EXPECT_EQ(c.email, "");
  EXPECT_EQ(c.visitor_id, "");
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_TRUE(c.form.empty()) << "the pre-chat answers are the visitor's too";
  EXPECT_TRUE(c.survey_answers.empty());
  EXPECT_NE(c.anonymised_ms, 0);
  for (const auto& e : c.events) EXPECT_EQ(e.text(), "") << e.seq();
  EXPECT_FALSE(c.measurements.empty()) << "timings stay for statistics";
  EXPECT_TRUE(search_history(env.db(), admin_query("berry")).hits.empty());
  EXPECT_EQ(search_history(env.db(), admin_query("damson")).hits.size(), 1u);
  EXPECT_EQ(search_history(env.db(), admin_query("secret")).hits.size(), 3u);

  EXPECT_EQ(apply_retention(env.db(), cutoff + 1000, retention_mode::erase, 100, t0), 4u);
  EXPECT_EQ(env.db().exec("SELECT count(*) FROM conversations").integer(0, 0), 2);
  EXPECT_EQ(env.db().exec("SELECT count(*) FROM events").integer(0, 0), 2 * 5);
}

TEST(History, AVisitorsRecordIsExportedAndErased) {
  test::record_env env;
  const auto v = test::visitor_id(9);
  for (int i = 0; i < 3; ++i) {
    write_archive(env.db(), test::sample_conversation(test::conv_id(i), v, t0 + i * 1000));
  }
  archive(env.db(), 7, "someone else", "en");
  auto all = visitor_archives(env.db(), v);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, test::conv_id(0));
  EXPECT_FALSE(all[0].events.empty());
  auto erased = erase_visitor(env.db(), v, t0 + 10'000);
  EXPECT_EQ(erased.size(), 3u);
  EXPECT_TRUE(visitor_archives(env.db(), v).empty());
  EXPECT_EQ(env.db().exec("SELECT count(*) FROM events").integer(0, 0), 5);
  audit(env.db(), "root", "visitor_erase", v, "{\"archived\":3}", t0);
  auto rows = env.db().exec("SELECT actor, action, subject, detail->>'archived' FROM audit");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.text(0, 1), "visitor_erase");
  EXPECT_EQ(rows.text(0, 3), "3");
}

}  // namespace
}  // namespace lc::record
