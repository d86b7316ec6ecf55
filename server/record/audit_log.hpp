#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// One line of the audit log: who did what to whom, when, with a JSON object of details.
struct audit_entry {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string actor, action, subject;
  std::string detail_json;
};

void audit(pg_connection& db, const std::string& actor, const std::string& action,
           const std::string& subject, const std::string& detail_json, std::int64_t now_ms);

// Newest first, at most `limit`, older than the entry `before_id` when it is not 0; only the
// actor's or subject's when `who` is not empty.
std::vector<audit_entry> audit_entries(pg_connection& db, std::size_t limit, std::int64_t before_id,
                                       const std::string& who);

}  // namespace lc::record
