#include "server/record/files.hpp"

#include "server/core/ids.hpp"

namespace lc::record {

namespace {

// bytea travels as text in libpq's hex format ("\x" and two digits a byte), both ways.
std::string bytea_literal(const std::string& bytes) {
  return "\\x" + core::hex(bytes);
}

std::string bytea_value(std::string_view text) {
  if (text.substr(0, 2) != "\\x") return {};
  return core::unhex(text.substr(2)).value_or(std::string());
}

}  // namespace

void create_file(pg_connection& db, const file_row& f) {
  db.exec(
      "INSERT INTO files (id, conversation_id, visitor_id, uploader_id, uploader_role, name, "
      "content_type, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {f.id, f.conversation_id, f.visitor_id, f.uploader_id, std::to_string(f.uploader_role),
       f.name, f.content_type, std::to_string(f.created_ms)});
}

void put_file_chunk(pg_connection& db, const std::string& id, std::int32_t n,
                    const std::string& bytes) {
  db.exec("INSERT INTO file_chunks (file_id, n, data) VALUES ($1, $2, $3::bytea)",
          {id, std::to_string(n), bytea_literal(bytes)});
}

void finish_file(pg_connection& db, const file_row& f) {
  db.exec(
      "UPDATE files SET state = 'ready', name = $2, content_type = $3, size = $4, width = $5, "
      "height = $6 WHERE id = $1",
      {f.id, f.name, f.content_type, std::to_string(f.size), std::to_string(f.width),
       std::to_string(f.height)});
}

void delete_file(pg_connection& db, const std::string& id) {
  db.exec("DELETE FROM files WHERE id = $1", {id});
}

std::optional<file_row> find_file(pg_connection& db, const std::string& id) {
  auto rows = db.exec(
      "SELECT id, conversation_id, visitor_id, uploader_id, uploader_role, name, content_type, "
      "size, width, height, preview, state, sent_msg, created_ms FROM files WHERE id = $1",
      {id});
  if (rows.empty()) return std::nullopt;
  file_row f;
  f.id = rows.text(0, 0);
  f.conversation_id = rows.text(0, 1);
  f.visitor_id = rows.text(0, 2);
  f.uploader_id = rows.text(0, 3);
  f.uploader_role = static_cast<int>(rows.integer(0, 4));
  f.name = rows.text(0, 5);
  f.content_type = rows.text(0, 6);
  f.size = rows.integer(0, 7);
  f.width = static_cast<std::uint32_t>(rows.integer(0, 8));
  f.height = static_cast<std::uint32_t>(rows.integer(0, 9));
  if (!rows.is_null(0, 10)) f.preview = bytea_value(rows.text(0, 10));
  f.ready = rows.text(0, 11) == "ready";
  f.sent_msg = rows.text(0, 12);
  f.created_ms = rows.integer(0, 13);
  return f;
}

std::optional<std::string> file_chunk(pg_connection& db, const std::string& id, std::int32_t n) {
  auto rows = db.exec("SELECT data FROM file_chunks WHERE file_id = $1 AND n = $2",
                      {id, std::to_string(n)});
  if (rows.empty()) return std::nullopt;
  return bytea_value(rows.text(0, 0));
}

std::int64_t conversation_file_bytes(pg_connection& db, const std::string& conversation_id) {
  // Uploads in progress count with the chunks they have stored.
  auto rows = db.exec(
      "SELECT COALESCE(SUM(CASE WHEN f.state = 'ready' THEN f.size ELSE (SELECT "
      "COALESCE(SUM(length(c.data)), 0) FROM file_chunks c WHERE c.file_id = f.id) END), 0) "
      "FROM files f WHERE f.conversation_id = $1",
      {conversation_id});
  return rows.integer(0, 0);
}

bool mark_file_sent(pg_connection& db, const std::string& id, const std::string& client_msg_id,
                    const std::string& preview) {
  auto rows = db.exec(
      "UPDATE files SET sent_msg = $2, preview = NULLIF($3, '')::bytea WHERE id = $1 AND "
      "state = 'ready' AND (sent_msg = '' OR sent_msg = $2) RETURNING id",
      {id, client_msg_id, preview.empty() ? std::string() : bytea_literal(preview)});
  return !rows.empty();
}

std::size_t delete_unsent_files(pg_connection& db, std::int64_t before_ms, std::size_t batch) {
  auto rows = db.exec(
      "DELETE FROM files WHERE id IN (SELECT id FROM files WHERE sent_msg = '' AND created_ms < "
      "$1 ORDER BY created_ms LIMIT $2) RETURNING id",
      {std::to_string(before_ms), std::to_string(batch)});
  return rows.size();
}

bool staff_may_read_archived(pg_connection& db, const std::string& conv,
                             const std::string& agent_id,
                             const std::vector<std::string>& departments) {
  auto rows = db.exec(
      "SELECT 1 FROM conversations WHERE id = $1 AND ($2 = ANY (agents) OR department = ANY "
      "($3::text[]))",
      {conv, agent_id, text_array(departments)});
  return !rows.empty();
}

void read_attachment(const pg_rows& rows, std::size_t row, std::size_t first,
                     livechat::v1::Attachment& out) {
  out.set_id(std::string(rows.text(row, first)));
  out.set_name(std::string(rows.text(row, first + 1)));
  out.set_type(std::string(rows.text(row, first + 2)));
  out.set_size(static_cast<std::uint64_t>(rows.integer(row, first + 3)));
  out.set_width(static_cast<std::uint32_t>(rows.integer(row, first + 4)));
  out.set_height(static_cast<std::uint32_t>(rows.integer(row, first + 5)));
  if (!rows.is_null(row, first + 6)) out.set_preview(bytea_value(rows.text(row, first + 6)));
}

}  // namespace lc::record
