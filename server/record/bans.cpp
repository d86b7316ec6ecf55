#include "server/record/bans.hpp"

namespace lc::record {

namespace {

constexpr const char* columns =
    "id, kind, value, key_part, conversation_id, reason, created_by, created_ms, expires_ms, "
    "lifted_by, lifted_ms";

ban_row row_at(const pg_rows& rows, std::size_t r) {
  ban_row b;
  b.id = rows.integer(r, 0);
  b.kind = rows.text(r, 1);
  b.value = rows.text(r, 2);
  b.key_part = rows.text(r, 3);
  b.conversation_id = rows.text(r, 4);
  b.reason = rows.text(r, 5);
  b.created_by = rows.text(r, 6);
  b.created_ms = rows.integer(r, 7);
  b.expires_ms = rows.integer(r, 8);
  b.lifted_by = rows.text(r, 9);
  b.lifted_ms = rows.integer(r, 10);
  return b;
}

std::vector<ban_row> all_rows(const pg_rows& rows) {
  std::vector<ban_row> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(row_at(rows, r));
  return out;
}

}  // namespace

std::vector<ban_row> add_bans(pg_connection& db, std::vector<ban_row> rows) {
  for (auto& b : rows) {
    db.exec(
        "UPDATE bans SET lifted_by = $2, lifted_ms = $3 WHERE key_part = $1 AND lifted_ms = 0 "
        "AND (expires_ms = 0 OR expires_ms > $3)",
        {b.key_part, b.created_by, std::to_string(b.created_ms)});
    auto id = db.exec(
        "INSERT INTO bans (kind, value, key_part, conversation_id, reason, created_by, "
        "created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        {b.kind, b.value, b.key_part, b.conversation_id, b.reason, b.created_by,
         std::to_string(b.created_ms), std::to_string(b.expires_ms)});
    b.id = id.integer(0, 0);
  }
  return rows;
}

std::vector<ban_row> list_bans(pg_connection& db, bool all, std::int64_t now_ms,
                               std::size_t limit) {
  return all_rows(db.exec(std::string("SELECT ") + columns +
                              " FROM bans WHERE $1 OR (lifted_ms = 0 AND (expires_ms = 0 OR "
                              "expires_ms > $2)) ORDER BY created_ms DESC, id DESC LIMIT $3",
                          {all ? "true" : "false", std::to_string(now_ms), std::to_string(limit)}));
}

std::optional<ban_row> find_ban(pg_connection& db, std::int64_t id) {
  auto rows =
      db.exec(std::string("SELECT ") + columns + " FROM bans WHERE id = $1", {std::to_string(id)});
  if (rows.size() != 1) return std::nullopt;
  return row_at(rows, 0);
}

std::optional<ban_row> lift_ban(pg_connection& db, std::int64_t id, const std::string& by,
                                std::int64_t now_ms) {
  db.exec(
      "UPDATE bans SET lifted_by = $2, lifted_ms = $3 WHERE id = $1 AND lifted_ms = 0 AND "
      "(expires_ms = 0 OR expires_ms > $3)",
      {std::to_string(id), by, std::to_string(now_ms)});
  return find_ban(db, id);
}

}  // namespace lc::record
