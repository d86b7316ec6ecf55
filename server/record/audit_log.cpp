#include "server/record/audit_log.hpp"

namespace lc::record {

void audit(pg_connection& db, const std::string& actor, const std::string& action,
           const std::string& subject, const std::string& detail_json, std::int64_t now_ms) {
  db.exec(
      "INSERT INTO audit (at_ms, actor, action, subject, detail) VALUES ($1, $2, $3, $4, "
      "$5::jsonb)",
      {std::to_string(now_ms), actor, action, subject, detail_json});
}

std::vector<audit_entry> audit_entries(pg_connection& db, std::size_t limit, std::int64_t before_id,
                                       const std::string& who) {
  auto rows = db.exec(
      "SELECT id, at_ms, actor, action, subject, detail::text FROM audit WHERE ($2 = 0 OR id < "
      "$2) AND ($3 = '' OR actor = $3 OR subject = $3) ORDER BY id DESC LIMIT $1",
      {std::to_string(limit), std::to_string(before_id), who});
  std::vector<audit_entry> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out.push_back({rows.integer(r, 0), rows.integer(r, 1), std::string(rows.text(r, 2)),
                   std::string(rows.text(r, 3)), std::string(rows.text(r, 4)),
                   std::string(rows.text(r, 5))});
  }
  return out;
}

}  // namespace lc::record
