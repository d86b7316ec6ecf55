#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/archive.hpp"
#include "server/record/audit_log.hpp"
#include "server/record/pg_connection.hpp"

namespace lc::record {

// What a history search asks for; empty strings and zeros mean "any". The scope is the
// caller's: an admin sees everything, an agent the conversations of their departments and
// those they had themselves.
struct history_query {
  std::string text;  // full-text (language-aware), else substring (trigram-indexed)
  std::string visitor, email, agent, department, tag;
  std::int64_t from_ms = 0, to_ms = 0;  // closed in [from, to]; 0 = open-ended
  std::uint32_t rating = 0;             // 1..5
  std::string cursor;                   // from the previous page's next_cursor
  std::uint32_t limit = 25;
  bool admin = false;
  std::string caller;  // the agent asking
  std::vector<std::string> caller_departments;
};

// One row of a result page.
struct history_hit {
  std::string id, visitor_id, visitor_name, email, department, agent_id, agent_name;
  std::int64_t joined_ms = 0, closed_ms = 0;
  std::uint32_t rating = 0;
  bool missed = false;
  std::uint32_t visitor_messages = 0, agent_messages = 0;
  std::string first_message, snippet;
};

struct history_page {
  std::vector<history_hit> hits;  // newest closed first
  std::string next_cursor;        // "" on the last page
};

// Cursors are "<closed_ms>.<id>"; false for anything else (a 400 for the caller).
bool valid_history_cursor(const std::string& cursor);

history_page search_history(pg_connection& db, const history_query& query);

// Whether the caller may read an archived conversation (same scope as the search).
bool may_read(const conversation_archive& c, bool admin, const std::string& caller,
              const std::vector<std::string>& caller_departments);

// Every archived conversation of one visitor, oldest first (for the GDPR art. 15 export).
std::vector<conversation_archive> visitor_archives(pg_connection& db, const std::string& visitor);
// Deletes the visitor's archived conversations (GDPR art. 17) and remembers the erasure, so a
// conversation of theirs begun before it that another node is archiving right now is dropped
// instead of written. Returns the ids deleted.
std::vector<std::string> erase_visitor(pg_connection& db, const std::string& visitor,
                                       std::int64_t now_ms);

enum class retention_mode { erase, anonymise };
// Conversations closed before `cutoff_ms`: deleted, or stripped of what identifies the visitor
// (names, email, page, metadata, message text) with their timings kept for statistics. At most
// `batch` per call, so several nodes can run it at once (rows are claimed with SKIP LOCKED).
// Returns how many it handled.
std::size_t apply_retention(pg_connection& db, std::int64_t cutoff_ms, retention_mode mode,
                            std::size_t batch, std::int64_t now_ms);

}  // namespace lc::record
