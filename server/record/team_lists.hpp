#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// A reply the team shares: for one department ("" = every department), found by its shortcut.
struct canned_response {
  std::int64_t id = 0;
  std::string department;
  std::string shortcut;
  std::string text;
  std::string updated_by;
  std::int64_t updated_ms = 0;
};

// The replies of these departments and the global ones; every reply when `all`.
std::vector<canned_response> list_canned(pg_connection& db,
                                         const std::vector<std::string>& departments, bool all);
std::optional<canned_response> find_canned(pg_connection& db, std::int64_t id);
// Returns the new id. Throws pg_error 23505 when the department already has the shortcut.
std::int64_t create_canned(pg_connection& db, const canned_response& c);
// False when there is no such reply.
bool update_canned(pg_connection& db, const canned_response& c);
bool delete_canned(pg_connection& db, std::int64_t id);

// The tags supervisors made available, by name.
std::vector<std::string> list_tags(pg_connection& db);
// False when it already existed.
bool create_tag(pg_connection& db, const std::string& name, const std::string& by,
                std::int64_t now_ms);
bool delete_tag(pg_connection& db, const std::string& name);

}  // namespace lc::record
