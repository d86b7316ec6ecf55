#include "server/record/team_lists.hpp"

namespace lc::record {

namespace {

canned_response canned_at(const pg_rows& rows, std::size_t r) {
  return {rows.integer(r, 0),           std::string(rows.text(r, 1)), std::string(rows.text(r, 2)),
          std::string(rows.text(r, 3)), std::string(rows.text(r, 4)), rows.integer(r, 5)};
}

constexpr const char* canned_columns = "id, department, shortcut, text, updated_by, updated_ms";

}  // namespace

std::vector<canned_response> list_canned(pg_connection& db,
                                         const std::vector<std::string>& departments, bool all) {
  auto rows = db.exec(std::string("SELECT ") + canned_columns +
                          " FROM canned_responses WHERE $1::boolean OR department = '' OR "
                          "department = ANY ($2::text[]) ORDER BY department, shortcut",
                      {all ? "true" : "false", text_array(departments)});
  std::vector<canned_response> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(canned_at(rows, r));
  return out;
}

std::optional<canned_response> find_canned(pg_connection& db, std::int64_t id) {
  auto rows =
      db.exec(std::string("SELECT ") + canned_columns + " FROM canned_responses WHERE id = $1",
              {std::to_string(id)});
  if (rows.empty()) return std::nullopt;
  return canned_at(rows, 0);
}

std::int64_t create_canned(pg_connection& db, const canned_response& c) {
  auto rows = db.exec(
      "INSERT INTO canned_responses (department, shortcut, text, updated_by, updated_ms) VALUES "
      "($1, $2, $3, $4, $5) RETURNING id",
      {c.department, c.shortcut, c.text, c.updated_by, std::to_string(c.updated_ms)});
  return rows.integer(0, 0);
}

bool update_canned(pg_connection& db, const canned_response& c) {
  auto rows = db.exec(
      "UPDATE canned_responses SET department = $2, shortcut = $3, text = $4, updated_by = $5, "
      "updated_ms = $6 WHERE id = $1",
      {std::to_string(c.id), c.department, c.shortcut, c.text, c.updated_by,
       std::to_string(c.updated_ms)});
  return rows.affected() > 0;
}

bool delete_canned(pg_connection& db, std::int64_t id) {
  return db.exec("DELETE FROM canned_responses WHERE id = $1", {std::to_string(id)}).affected() > 0;
}

std::vector<std::string> list_tags(pg_connection& db) {
  auto rows = db.exec("SELECT name FROM tags ORDER BY name");
  std::vector<std::string> out;
  for (std::size_t r = 0; r < rows.size(); ++r) out.emplace_back(rows.text(r, 0));
  return out;
}

bool create_tag(pg_connection& db, const std::string& name, const std::string& by,
                std::int64_t now_ms) {
  return db.exec(
               "INSERT INTO tags (name, created_by, created_ms) VALUES ($1, $2, $3) ON CONFLICT "
               "DO NOTHING",
               {name, by, std::to_string(now_ms)})
             .affected() > 0;
}

bool delete_tag(pg_connection& db, const std::string& name) {
  return db.exec("DELETE FROM tags WHERE name = $1", {name}).affected() > 0;
}

}  // namespace lc::record
