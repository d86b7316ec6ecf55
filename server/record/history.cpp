#include "server/record/history.hpp"

#include <algorithm>
#include <charconv>

namespace lc::record {

namespace {

// `text` for ILIKE '%...%': its own wildcards taken literally.
std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "%";
}

bool split_cursor(const std::string& cursor, std::int64_t& ms, std::string& id) {
  auto dot = cursor.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 15) return false;
  auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + dot, ms);
  if (ec != std::errc() || p != cursor.data() + dot || ms <= 0) return false;
  id = cursor.substr(dot + 1);
  if (id.size() != 25 || id[0] != 'c') return false;
  return std::all_of(id.begin() + 1, id.end(),
                     [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

}  // namespace

bool valid_history_cursor(const std::string& cursor) {
  std::int64_t ms = 0;
  std::string id;
  return split_cursor(cursor, ms, id);
}

history_page search_history(pg_connection& db, const history_query& q) {
  std::int64_t cursor_ms = 0;
  std::string cursor_id;
  if (!q.cursor.empty() && !split_cursor(q.cursor, cursor_ms, cursor_id)) {
    throw pg_error("history: malformed cursor", "22023", false);
  }
  const auto limit = std::clamp<std::uint32_t>(q.limit, 1, 100);
  const std::string text = storable(q.text);
  auto rows = db.exec(
      "SELECT id, visitor_id, visitor_name, email, department, agent_id, agent_name, joined_ms, "
      "closed_ms, coalesce(rating, 0), missed, visitor_messages, agent_messages, first_message, "
      "CASE WHEN $1 = '' THEN '' ELSE substring(search_text FROM greatest(1, strpos(lower("
      "search_text), lower($1)) - 40) FOR 160) END FROM conversations WHERE "
      "($1 = '' OR search_tsv @@ websearch_to_tsquery(language, $1) OR search_text ILIKE $2) "
      "AND ($3 = '' OR visitor_id = $3) AND ($4 = '' OR lower(email) = lower($4)) "
      "AND ($5 = '' OR $5 = ANY (agents)) AND ($6 = '' OR department = $6) "
      "AND ($7 = '' OR $7 = ANY (tags)) AND ($8::bigint = 0 OR closed_ms >= $8::bigint) "
      "AND ($9::bigint = 0 OR closed_ms <= $9::bigint) AND ($10::int = 0 OR rating = $10::int) "
      "AND ($11::bigint = 0 OR (closed_ms, id) < ($11::bigint, $12::text)) "
      "AND ($13::boolean OR department = ANY ($14::text[]) OR $15 = ANY (agents)) "
      "ORDER BY closed_ms DESC, id DESC LIMIT $16::int",
      {text, like_pattern(text), q.visitor, storable(q.email), q.agent, q.department,
       storable(q.tag), std::to_string(q.from_ms), std::to_string(q.to_ms),
       std::to_string(q.rating), std::to_string(cursor_ms), cursor_id, q.admin ? "true" : "false",
       text_array(q.caller_departments), q.caller, std::to_string(limit + 1)});
  history_page page;
  const auto n = std::min<std::size_t>(rows.size(), limit);
  for (std::size_t i = 0; i < n; ++i) {
    history_hit h;
    h.id = rows.text(i, 0);
    h.visitor_id = rows.text(i, 1);
    h.visitor_name = rows.text(i, 2);
    h.email = rows.text(i, 3);
    h.department = rows.text(i, 4);
    h.agent_id = rows.text(i, 5);
    h.agent_name = rows.text(i, 6);
    h.joined_ms = rows.integer(i, 7);
    h.closed_ms = rows.integer(i, 8);
    h.rating = static_cast<std::uint32_t>(rows.integer(i, 9));
    h.missed = rows.text(i, 10) == "t";
    h.visitor_messages = static_cast<std::uint32_t>(rows.integer(i, 11));
    h.agent_messages = static_cast<std::uint32_t>(rows.integer(i, 12));
    h.first_message = rows.text(i, 13);
    h.snippet = rows.text(i, 14);
    page.hits.push_back(std::move(h));
  }
  if (rows.size() > limit && !page.hits.empty()) {
    const auto& last = page.hits.back();
    page.next_cursor = std::to_string(last.closed_ms) + "." + last.id;
  }
  return page;
}

bool may_read(const conversation_archive& c, bool admin, const std::string& caller,
              const std::vector<std::string>& caller_departments) {
  if (admin) return true;
  if (std::find(c.agents.begin(), c.agents.end(), caller) != c.agents.end()) return true;
  return std::find(caller_departments.begin(), caller_departments.end(), c.department) !=
         caller_departments.end();
}

std::vector<conversation_archive> visitor_archives(pg_connection& db, const std::string& visitor) {
  auto ids = db.exec("SELECT id FROM conversations WHERE visitor_id = $1 ORDER BY joined_ms, id",
                     {visitor});
  std::vector<conversation_archive> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    conversation_archive c;
    if (read_archive(db, std::string(ids.text(i, 0)), c)) out.push_back(std::move(c));
  }
  return out;
}

namespace {

// The files of the conversations in `rows` (their ids in column 0).
void delete_files_of(pg_connection& db, const pg_rows& rows) {
  if (rows.empty()) return;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < rows.size(); ++i) ids.emplace_back(rows.text(i, 0));
  db.exec("DELETE FROM files WHERE conversation_id = ANY ($1::text[])", {text_array(ids)});
}

}  // namespace

std::vector<std::string> erase_visitor(pg_connection& db, const std::string& visitor,
                                       std::int64_t now_ms) {
  return in_transaction(db, [&] {
    db.exec("SET LOCAL synchronous_commit TO on");  // reported done: it must stay done
    db.exec("SELECT pg_advisory_xact_lock(hashtext($1))", {visitor});
    db.exec(
        "INSERT INTO erasures (visitor_id, erased_ms) VALUES ($1, $2) ON CONFLICT (visitor_id) "
        "DO UPDATE SET erased_ms = EXCLUDED.erased_ms",
        {visitor, std::to_string(now_ms)});
    auto rows = db.exec("DELETE FROM conversations WHERE visitor_id = $1 RETURNING id", {visitor});
    // The mail sent to them (or waiting to be) holds their address and their words.
    db.exec("DELETE FROM mail_outbox WHERE visitor_id = $1", {visitor});
    // So do the files of their conversations, whoever sent them (chunks go with them).
    db.exec("DELETE FROM files WHERE visitor_id = $1", {visitor});
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < rows.size(); ++i) ids.emplace_back(rows.text(i, 0));
    return ids;
  });
}

std::size_t apply_retention(pg_connection& db, std::int64_t cutoff_ms, retention_mode mode,
                            std::size_t batch, std::int64_t now_ms) {
  const std::vector<std::optional<std::string>> params = {
      std::to_string(cutoff_ms), std::to_string(batch), std::to_string(now_ms)};
  // Mail (a transcript, an answer to an offline message) is kept as long as conversations are,
  // then deleted in either mode: it is the visitor's address and words, not a statistic.
  db.exec(
      "DELETE FROM mail_outbox WHERE id IN (SELECT id FROM mail_outbox WHERE state <> 'pending' "
      "AND created_ms < $1 ORDER BY created_ms LIMIT $2 FOR UPDATE SKIP LOCKED) AND "
      "$3::bigint > 0",
      params);
  if (mode == retention_mode::erase) {
    return in_transaction(db, [&] {
      auto rows = db.exec(
          "DELETE FROM conversations WHERE id IN (SELECT id FROM conversations WHERE closed_ms < "
          "$1 ORDER BY closed_ms LIMIT $2 FOR UPDATE SKIP LOCKED) AND $3::bigint > 0 RETURNING id",
          params);
      delete_files_of(db, rows);
      return static_cast<std::size_t>(rows.size());
    });
  }
  return in_transaction(db, [&] {
    auto rows = db.exec(
        "UPDATE conversations SET visitor_id = '', visitor_name = '', email = '', page_url = '', "
        "first_message = '', comment = '', metadata = '{}', form = '[]', survey_answers = '[]', "
        "search_text = '', anonymised_ms = $3 "
        "WHERE id IN (SELECT id FROM conversations WHERE closed_ms < $1 AND anonymised_ms IS NULL "
        "ORDER BY closed_ms LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id",
        params);
    if (rows.empty()) return std::size_t{0};
    // A file is the visitor's as much as their words are: anonymising keeps no file.
    delete_files_of(db, rows);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < rows.size(); ++i) ids.emplace_back(rows.text(i, 0));
    // Role 1 is the visitor (livechat.v1.Role): their ids and names go; agents' names stay.
    db.exec(
        "UPDATE events SET body = '', page_title = '', sender_name = CASE WHEN role = 1 THEN '' "
        "ELSE "
        "sender_name END, sender_id = CASE WHEN role = 1 THEN '' ELSE sender_id END WHERE "
        "conversation_id = ANY ($1::text[])",
        {text_array(ids)});
    return static_cast<std::size_t>(rows.size());
  });
}

}  // namespace lc::record
