#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// One mail of the outbox (migration 007).
struct mail_row {
  std::int64_t id = 0;
  std::string kind;  // "transcript" or "reply"
  std::string conversation_id, offline_id, visitor_id;
  std::string recipient, subject, body;  // body: "" for a transcript until it is rendered
  std::string requested_by;              // the visitor or the agent
  std::int64_t created_ms = 0, next_attempt_ms = 0, done_ms = 0;
  std::int32_t attempts = 0;
  std::string state;  // "pending", "sent", "failed"
  std::string last_error;
};

enum class transcript_request { queued, already_queued, too_many };

// A visitor's transcript to `recipient`: queued once per conversation and address (asking again
// is already_queued), at most `max_per_conversation` addresses (then too_many).
transcript_request request_transcript(pg_connection& db, const std::string& conversation_id,
                                      const std::string& visitor_id, const std::string& recipient,
                                      std::int64_t now_ms, std::size_t max_per_conversation);

// An agent's answer to an offline message; returns the mail's id.
std::int64_t enqueue_reply(pg_connection& db, const mail_row& m);

// Claims up to `limit` due pending mails for this node (`lease_ms`: others leave them alone that
// long, so a node that died mid-send leaves them to be tried again), oldest due first.
std::vector<mail_row> claim_mail(pg_connection& db, std::int64_t now_ms, std::int64_t lease_ms,
                                 std::size_t limit);
// The attempt's outcome: sent, or failed with `error` and tried again at `retry_at` (nothing:
// given up).
void finish_mail(pg_connection& db, std::int64_t id, bool sent, const std::string& error,
                 std::int64_t now_ms, std::optional<std::int64_t> retry_at);
// A transcript whose conversation is not archived yet (still open): looked at again at `at_ms`;
// the claim does not count as an attempt.
void defer_mail(pg_connection& db, std::int64_t id, std::int64_t at_ms);

// The newest mails first (the log admins read), bodies left out.
std::vector<mail_row> list_mail(pg_connection& db, std::size_t limit);

}  // namespace lc::record
