#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// One ban as the record keeps it (core::ban_subject names what it bans).
struct ban_row {
  std::int64_t id = 0;
  std::string kind, value, key_part, conversation_id, reason, created_by;
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;  // 0: until lifted
  std::string lifted_by;
  std::int64_t lifted_ms = 0;

  bool in_force(std::int64_t now_ms) const {
    return lifted_ms == 0 && (expires_ms == 0 || expires_ms > now_ms);
  }
};

// Records `rows` (their ids are filled in), lifting, as `rows`' creator, any ban in force on the
// same identifier. Returns the rows as stored.
std::vector<ban_row> add_bans(pg_connection& db, std::vector<ban_row> rows);
// Newest first, at most `limit`: those in force at `now_ms`, or every ban when `all`.
std::vector<ban_row> list_bans(pg_connection& db, bool all, std::int64_t now_ms, std::size_t limit);
std::optional<ban_row> find_ban(pg_connection& db, std::int64_t id);
// Lifts the ban when it is in force; the row as it is afterwards (unchanged when it was not in
// force), nothing for an unknown id.
std::optional<ban_row> lift_ban(pg_connection& db, std::int64_t id, const std::string& by,
                                std::int64_t now_ms);

}  // namespace lc::record
