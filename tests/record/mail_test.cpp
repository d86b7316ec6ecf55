#include "server/record/mail.hpp"

#include <gtest/gtest.h>

#include "server/record/history.hpp"
#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

constexpr std::int64_t t0 = 1'796'230'680'000;

std::int64_t count(test::record_env& env, const std::string& where = "true") {
  return env.db().exec("SELECT count(*) FROM mail_outbox WHERE " + where).integer(0, 0);
}

mail_row reply(const std::string& visitor, std::int64_t at) {
  mail_row m;
  m.offline_id = "o1";
  m.visitor_id = visitor;
  m.recipient = "ada@example.com";
  m.subject = "Re: your message";
  m.body = "We fixed it.";
  m.requested_by = "a-bob";
  m.created_ms = at;
  return m;
}

TEST(Mail, ATranscriptIsQueuedOncePerAddressAndAFewAddressesPerConversation) {
  test::record_env env;
  const auto c = test::conv_id(1);
  const auto v = test::visitor_id(1);
  EXPECT_EQ(request_transcript(env.db(), c, v, "a@example.com", t0, 3), transcript_request::queued);
  EXPECT_EQ(request_transcript(env.db(), c, v, "a@example.com", t0 + 1, 3),
            transcript_request::already_queued);
  EXPECT_EQ(request_transcript(env.db(), c, v, "b@example.com", t0 + 2, 3),
            transcript_request::queued);
  EXPECT_EQ(request_transcript(env.db(), c, v, "c@example.com", t0 + 3, 3),
            transcript_request::queued);
  EXPECT_EQ(request_transcript(env.db(), c, v, "d@example.com", t0 + 4, 3),
            transcript_request::too_many);
  EXPECT_EQ(request_transcript(env.db(), c, v, "b@example.com", t0 + 5, 3),
            transcript_request::already_queued)
      << "one already asked for is still fine at the limit";
  EXPECT_EQ(count(env), 3);
  EXPECT_EQ(request_transcript(env.db(), test::conv_id(2), v, "d@example.com", t0, 3),
            transcript_request::queued)
      << "the limit is per conversation";
}

TEST(Mail, ClaimsLeaseDueMailAndOutcomesAreRecorded) {
  test::record_env env;
  const auto v = test::visitor_id(1);
  const auto id = enqueue_reply(env.db(), reply(v, t0));
  request_transcript(env.db(), test::conv_id(1), v, "a@example.com", t0 + 10, 3);
  EXPECT_TRUE(claim_mail(env.db(), t0 - 1, 60000, 10).empty()) << "nothing due yet";
  auto due = claim_mail(env.db(), t0 + 10, 60000, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, id);
  EXPECT_EQ(due[0].kind, "reply");
  EXPECT_EQ(due[0].body, "We fixed it.");
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[1].kind, "transcript");
  EXPECT_EQ(due[1].subject, "Your chat transcript");
  EXPECT_TRUE(claim_mail(env.db(), t0 + 20, 60000, 10).empty()) << "leased to the first claim";

  finish_mail(env.db(), due[0].id, false, "451 try later", t0 + 30, t0 + 1030);
  defer_mail(env.db(), due[1].id, t0 + 3000);
  auto again = claim_mail(env.db(), t0 + 1030, 60000, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, id);
  EXPECT_EQ(again[0].attempts, 2);
  finish_mail(env.db(), id, true, "", t0 + 1040, std::nullopt);
  auto waited = claim_mail(env.db(), t0 + 3000, 60000, 10);
  ASSERT_EQ(waited.size(), 1u);
  EXPECT_EQ(waited[0].attempts, 1) << "waiting for the close is not a failed attempt";
  finish_mail(env.db(), waited[0].id, false, "550 no such user", t0 + 3010, std::nullopt);

  const auto log = list_mail(env.db(), 10);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].state, "failed");
  EXPECT_EQ(log[0].last_error, "550 no such user");
  EXPECT_EQ(log[1].state, "sent");
  EXPECT_EQ(log[1].done_ms, t0 + 1040);
  EXPECT_TRUE(log[1].body.empty()) << "the log leaves bodies out";
  EXPECT_TRUE(claim_mail(env.db(), t0 + 999'999, 60000, 10).empty()) << "all done";
}

TEST(Mail, ErasingAVisitorDeletesTheirMailAndRetentionOldFinishedMail) {
  test::record_env env;
  const auto v = test::visitor_id(1);
  const auto other = test::visitor_id(2);
  enqueue_reply(env.db(), reply(v, t0));
  request_transcript(env.db(), test::conv_id(1), v, "a@example.com", t0, 3);
  const auto kept = enqueue_reply(env.db(), reply(other, t0));
  erase_visitor(env.db(), v, t0 + 10);
  EXPECT_EQ(count(env), 1);
  EXPECT_EQ(count(env, "visitor_id = '" + other + "'"), 1);

  finish_mail(env.db(), kept, true, "", t0 + 20, std::nullopt);
  enqueue_reply(env.db(), reply(other, t0 + 50));  // pending: not retention's to delete
  apply_retention(env.db(), t0 + 100, retention_mode::anonymise, 10, t0 + 100);
  EXPECT_EQ(count(env), 1);
  EXPECT_EQ(count(env, "state = 'pending'"), 1);
}

}  // namespace
}  // namespace lc::record
