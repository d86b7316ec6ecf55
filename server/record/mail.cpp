#include "server/record/mail.hpp"

namespace lc::record {

namespace {

mail_row mail_at(const pg_rows& rows, std::size_t r) {
  mail_row m;
  m.id = rows.integer(r, 0);
  m.kind = rows.text(r, 1);
  m.conversation_id = rows.text(r, 2);
  m.offline_id = rows.text(r, 3);
  m.visitor_id = rows.text(r, 4);
  m.recipient = rows.text(r, 5);
  m.subject = rows.text(r, 6);
  m.body = rows.text(r, 7);
  m.requested_by = rows.text(r, 8);
  m.created_ms = rows.integer(r, 9);
  m.next_attempt_ms = rows.integer(r, 10);
  m.done_ms = rows.integer(r, 11);
  m.attempts = static_cast<std::int32_t>(rows.integer(r, 12));
  m.state = rows.text(r, 13);
  m.last_error = rows.text(r, 14);
  return m;
}

std::vector<mail_row> mails_of(const pg_rows& rows) {
  std::vector<mail_row> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(mail_at(rows, r));
  return out;
}

}  // namespace

transcript_request request_transcript(pg_connection& db, const std::string& conversation_id,
                                      const std::string& visitor_id, const std::string& recipient,
                                      std::int64_t now_ms, std::size_t max_per_conversation) {
  // One statement: the count and the insert see the same snapshot; the unique index settles two
  // requests for one address racing each other.
  auto rows = db.exec(
      "WITH mine AS (SELECT recipient FROM mail_outbox WHERE kind = 'transcript' AND "
      "conversation_id = $1), ins AS (INSERT INTO mail_outbox (kind, conversation_id, "
      "visitor_id, recipient, subject, requested_by, created_ms, next_attempt_ms) SELECT "
      "'transcript', $1, $2, $3, 'Your chat transcript', $2, $4, $4 WHERE NOT EXISTS (SELECT 1 "
      "FROM mine WHERE recipient = $3) AND (SELECT count(*) FROM mine) < $5 ON CONFLICT DO "
      "NOTHING RETURNING id) SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM mine "
      "WHERE recipient = $3), (SELECT count(*) FROM mine)",
      {conversation_id, visitor_id, recipient, std::to_string(now_ms),
       std::to_string(max_per_conversation)});
  if (rows.integer(0, 0) == 1 || rows.integer(0, 1) > 0) {
    return rows.integer(0, 0) == 1 ? transcript_request::queued
                                   : transcript_request::already_queued;
  }
  // Not inserted and not there before: either the limit, or the same address inserted by a
  // racing request a moment ago (the conflict).
  return static_cast<std::size_t>(rows.integer(0, 2)) >= max_per_conversation
             ? transcript_request::too_many
             : transcript_request::already_queued;
}

std::int64_t enqueue_reply(pg_connection& db, const mail_row& m) {
  auto rows = db.exec(
      "INSERT INTO mail_outbox (kind, offline_id, visitor_id, recipient, subject, body, "
      "requested_by, created_ms, next_attempt_ms) VALUES ('reply', $1, $2, $3, $4, $5, $6, $7, "
      "$7) RETURNING id",
      {m.offline_id, m.visitor_id, m.recipient, m.subject, m.body, m.requested_by,
       std::to_string(m.created_ms)});
  return rows.integer(0, 0);
}

std::vector<mail_row> claim_mail(pg_connection& db, std::int64_t now_ms, std::int64_t lease_ms,
                                 std::size_t limit) {
  return mails_of(db.exec(
      std::string("WITH due AS (SELECT id FROM mail_outbox WHERE state = 'pending' AND "
                  "next_attempt_ms <= $1 ORDER BY next_attempt_ms LIMIT $3 FOR UPDATE SKIP "
                  "LOCKED) UPDATE mail_outbox m SET attempts = m.attempts + 1, next_attempt_ms = "
                  "$1 + $2 FROM due WHERE m.id = due.id RETURNING ") +
          "m.id, m.kind, m.conversation_id, m.offline_id, m.visitor_id, m.recipient, m.subject, "
          "m.body, m.requested_by, m.created_ms, m.next_attempt_ms, m.done_ms, m.attempts, "
          "m.state, m.last_error",
      {std::to_string(now_ms), std::to_string(lease_ms), std::to_string(limit)}));
}

void finish_mail(pg_connection& db, std::int64_t id, bool sent, const std::string& error,
                 std::int64_t now_ms, std::optional<std::int64_t> retry_at) {
  const char* state = sent ? "sent" : retry_at ? "pending" : "failed";
  db.exec(
      "UPDATE mail_outbox SET state = $2, last_error = $3, next_attempt_ms = $4, done_ms = $5 "
      "WHERE id = $1",
      {std::to_string(id), state, error, std::to_string(retry_at.value_or(now_ms)),
       std::to_string(sent || !retry_at ? now_ms : 0)});
}

void defer_mail(pg_connection& db, std::int64_t id, std::int64_t at_ms) {
  db.exec(
      "UPDATE mail_outbox SET attempts = greatest(attempts - 1, 0), next_attempt_ms = $2, "
      "last_error = 'waiting for the chat to end' WHERE id = $1 AND state = 'pending'",
      {std::to_string(id), std::to_string(at_ms)});
}

std::vector<mail_row> list_mail(pg_connection& db, std::size_t limit) {
  return mails_of(db.exec(
      "SELECT id, kind, conversation_id, offline_id, visitor_id, recipient, subject, '', "
      "requested_by, created_ms, next_attempt_ms, done_ms, attempts, state, last_error FROM "
      "mail_outbox ORDER BY id DESC LIMIT $1",
      {std::to_string(limit)}));
}

}  // namespace lc::record
