#include "server/record/archive.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/record/history.hpp"
#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

namespace pb = livechat::v1;

std::int64_t count(pg_connection& db, const std::string& sql, const std::string& id) {
  return db.exec(sql, {id}).integer(0, 0);
}

TEST(Archive, WhatIsWrittenReadsBack) {
  test::record_env env;
  auto c = test::sample_conversation(test::conv_id(1), test::visitor_id(1), 1'700'000'000'000, 4);
  c.agents = {"alice", "bob"};
  c.agent_name = "Alice \"Al\" O'Neil\\";
  EXPECT_TRUE(write_archive(env.db(), c));
  conversation_archive back;
  ASSERT_TRUE(read_archive(env.db(), c.id, back));
  EXPECT_EQ(back.visitor_id, c.visitor_id);
  EXPECT_EQ(back.email, "vic@example.com");
  EXPECT_EQ(back.agent_name, c.agent_name);
  EXPECT_EQ(back.agents, c.agents);
  EXPECT_EQ(back.joined_ms, c.joined_ms);
  EXPECT_EQ(back.closed_ms, c.closed_ms);
  EXPECT_EQ(back.metadata, c.metadata);
  EXPECT_EQ(back.visitor_messages, 2u);
  EXPECT_EQ(back.agent_messages, 2u);
  ASSERT_EQ(back.events.size(), c.events.size());
  for (std::size_t i = 0; i < c.events.size(); ++i) {
    EXPECT_EQ(back.events[i].seq(), i + 1);
    EXPECT_EQ(back.events[i].kind(), c.events[i].kind());
    EXPECT_EQ(back.events[i].text(), c.events[i].text());
    EXPECT_EQ(back.events[i].at_ms(), c.events[i].at_ms());
  }
  EXPECT_EQ(back.measurements.size(), c.measurements.size());
  EXPECT_EQ(back.rating, 0u);
  EXPECT_FALSE(read_archive(env.db(), test::conv_id(2), back));
}

TEST(Archive, ARetryLeavesOneCopy) {
  test::record_env env;
  auto c = test::sample_conversation(test::conv_id(1), test::visitor_id(1), 1'700'000'000'000);
  EXPECT_TRUE(write_archive(env.db(), c));
  EXPECT_FALSE(write_archive(env.db(), c));
  EXPECT_FALSE(write_archive(env.db(), c));
  EXPECT_EQ(count(env.db(), "SELECT count(*) FROM conversations WHERE id = $1", c.id), 1);
  EXPECT_EQ(count(env.db(), "SELECT count(*) FROM events WHERE conversation_id = $1", c.id),
            static_cast<std::int64_t>(c.events.size()));
  EXPECT_EQ(count(env.db(), "SELECT count(*) FROM measurements WHERE conversation_id = $1", c.id),
            static_cast<std::int64_t>(c.measurements.size()));
}

// Two nodes archive the same conversations at the same moment: one copy of each, and exactly
// one of them is told it created it.
TEST(Archive, TwoNodesAtOnceLeaveOneCopy) {
  test::record_env env;
  constexpr int conversations = 30;
  std::atomic<int> created{0}, failed{0};
  auto node = [&] {
    try {
      auto db = env.connect();
      for (int i = 0; i < conversations; ++i) {
        auto c = test::sample_conversation(test::conv_id(i), test::visitor_id(i),
                                           1'700'000'000'000 + i, 6);
        if (write_archive(*db, c)) ++created;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      ++failed;
    }
  };
  std::thread a(node), b(node);
  a.join();
  b.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), conversations);
  EXPECT_EQ(env.db().exec("SELECT count(*) FROM conversations").integer(0, 0), conversations);
  EXPECT_EQ(env.db().exec("SELECT count(*) FROM events").integer(0, 0), conversations * 9);
}

TEST(Archive, ARatingAfterArchivingIsAddedOnce) {
  test::record_env env;
  auto c = test::sample_conversation(test::conv_id(1), test::visitor_id(1), 1'700'000'000'000);
  EXPECT_TRUE(write_archive(env.db(), c));
  c.rating = 4;
  c.comment = "quick";
  c.measurements.push_back({"rating", 0, "billing", "alice", 4, c.closed_ms + 5000});
  EXPECT_FALSE(write_archive(env.db(), c));
  conversation_archive back;
  ASSERT_TRUE(read_archive(env.db(), c.id, back));
  EXPECT_EQ(back.rating, 4u);
  EXPECT_EQ(back.comment, "quick");
  EXPECT_EQ(back.measurements.size(), c.measurements.size());
  // A conversation is rated once: a second, different rating changes nothing.
  c.rating = 1;
  c.measurements.back().value = 1;
  EXPECT_FALSE(write_archive(env.db(), c));
  ASSERT_TRUE(read_archive(env.db(), c.id, back));
  EXPECT_EQ(back.rating, 4u);
  EXPECT_EQ(count(env.db(),
                  "SELECT value FROM measurements WHERE conversation_id = $1 AND measure = "
                  "'rating'",
                  c.id),
            4);
}

TEST(Archive, TheFormAndTheSurveyAreKeptAndALateRatingBringsItsAnswers) {
  test::record_env env;
  auto c = test::sample_conversation(test::conv_id(1), test::visitor_id(1), 1'700'000'000'000);
  livechat::v1::FormAnswer consent;
  consent.set_field_id("terms");
  consent.set_label("I agree that my data is kept for 30 days.");
  consent.set_value("true");
  livechat::v1::FormAnswer odd;
  odd.set_field_id("company");
  odd.set_label("Company");
  odd.set_value(std::string("a\0b\"c", 5));
  c.form = {consent, odd};
  EXPECT_TRUE(write_archive(env.db(), c));
  c.rating = 2;
  c.rating_scale = 2;
  livechat::v1::FormAnswer q;
  q.set_field_id("solved");
  q.set_label("Solved?");
  q.set_value("true");
  c.survey_answers = {q};
  EXPECT_FALSE(write_archive(env.db(), c));
  conversation_archive back;
  ASSERT_TRUE(read_archive(env.db(), c.id, back));
  ASSERT_EQ(back.form.size(), 2U);
  EXPECT_EQ(back.form[0].label(), consent.label()) << "the consent text agreed to";
  EXPECT_EQ(back.form[1].field_id(), "company");
  EXPECT_EQ(back.form[1].value(),
            "a\xEF\xBF\xBD"
            "b\"c")
      << "a NUL made storable";
  EXPECT_EQ(back.rating, 2U);
  EXPECT_EQ(back.rating_scale, 2U);
  ASSERT_EQ(back.survey_answers.size(), 1U);
  EXPECT_EQ(back.survey_answers[0].value(), "true");
}

TEST(Archive, TextPostgresCannotHoldIsKeptReadable) {
  test::record_env env;
  auto c = test::sample_conversation(test::conv_id(1), test::visitor_id(1), 1'700'000'000'000, 1,
                                     std::string("nul\0byte", 8));
  c.metadata["odd\"key"] = std::string("a\0b\\c", 5);
  EXPECT_TRUE(write_archive(env.db(), c));
  conversation_archive back;
  ASSERT_TRUE(read_archive(env.db(), c.id, back));
  EXPECT_EQ(back.events[2].text(),
            "nul\xEF\xBF\xBD"
            "byte");
  EXPECT_EQ(back.metadata["odd\"key"],
            "a\xEF\xBF\xBD"
            "b\\c");
}

// An erasure wins over an archive of the same visitor still in flight elsewhere: what began
// before it is never written back; what the visitor starts afterwards is theirs again.
TEST(Archive, AnErasedVisitorsEarlierConversationIsNotWrittenBack) {
  test::record_env env;
  const auto visitor = test::visitor_id(7);
  auto before = test::sample_conversation(test::conv_id(1), visitor, 1'700'000'000'000);
  erase_visitor(env.db(), visitor, 1'700'000'100'000);
  EXPECT_FALSE(write_archive(env.db(), before));
  EXPECT_EQ(count(env.db(), "SELECT count(*) FROM conversations WHERE visitor_id = $1", visitor),
            0);
  auto after = test::sample_conversation(test::conv_id(2), visitor, 1'700'000'200'000);
  EXPECT_TRUE(write_archive(env.db(), after));
}

}  // namespace
}  // namespace lc::record
