#include "server/record/departments.hpp"

namespace lc::record {

namespace {

std::int32_t int_at(const pg_rows& rows, std::size_t r, int c) {
  return static_cast<std::int32_t>(rows.integer(r, c));
}

}  // namespace

std::vector<department_row> list_departments(pg_connection& db) {
  auto rows = db.exec(
      "SELECT id, display_name, language, time_zone, hours, holidays, "
      "coalesce(reassign_after_seconds, -1), required_tag, waiting_target_seconds, "
      "idle_prompt_after_seconds, idle_close_after_seconds, updated_by, updated_ms, "
      "auto_away_seconds, coalesce(max_file_mb, -1), file_types, pre_chat_form, survey, "
      "invitation_rules FROM departments WHERE NOT removed ORDER BY id");
  std::vector<department_row> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    department_row d;
    d.id = rows.text(r, 0);
    d.display_name = rows.text(r, 1);
    d.language = rows.text(r, 2);
    d.time_zone = rows.text(r, 3);
    d.hours = rows.text(r, 4);
    d.holidays = rows.text(r, 5);
    if (const auto reassign = int_at(rows, r, 6); reassign >= 0)
      d.reassign_after_seconds = reassign;
    d.required_tag = rows.text(r, 7) == "t";
    d.waiting_target_seconds = int_at(rows, r, 8);
    d.idle_prompt_after_seconds = int_at(rows, r, 9);
    d.idle_close_after_seconds = int_at(rows, r, 10);
    d.updated_by = rows.text(r, 11);
    d.updated_ms = rows.integer(r, 12);
    d.auto_away_seconds = int_at(rows, r, 13);
    if (const auto mb = int_at(rows, r, 14); mb >= 0) d.max_file_mb = mb;
    d.file_types = rows.text(r, 15);
    d.pre_chat_form = rows.text(r, 16);
    d.survey = rows.text(r, 17);
    d.invitation_rules = rows.text(r, 18);
    out.push_back(std::move(d));
  }
  return out;
}

void seed_departments(pg_connection& db, const std::vector<std::string>& ids) {
  db.exec(
      "INSERT INTO departments (id, display_name) SELECT d, d FROM unnest($1::text[]) AS d "
      "ON CONFLICT (id) DO NOTHING",
      {text_array(ids)});
}

void save_department(pg_connection& db, const department_row& d) {
  db.exec(
      "INSERT INTO departments (id, display_name, language, time_zone, hours, holidays, "
      "reassign_after_seconds, required_tag, waiting_target_seconds, idle_prompt_after_seconds, "
      "idle_close_after_seconds, updated_by, updated_ms, auto_away_seconds, max_file_mb, "
      "file_types, pre_chat_form, survey, invitation_rules, removed) VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
      "false) "
      "ON CONFLICT (id) DO UPDATE SET "
      "display_name = $2, language = $3, time_zone = $4, hours = $5, holidays = $6, "
      "reassign_after_seconds = $7, required_tag = $8, waiting_target_seconds = $9, "
      "idle_prompt_after_seconds = $10, idle_close_after_seconds = $11, updated_by = $12, "
      "updated_ms = $13, auto_away_seconds = $14, max_file_mb = $15, file_types = $16, "
      "pre_chat_form = $17, survey = $18, invitation_rules = $19, removed = false",
      {d.id, d.display_name, d.language, d.time_zone, d.hours, d.holidays,
       d.reassign_after_seconds
           ? std::optional<std::string>(std::to_string(*d.reassign_after_seconds))
           : std::nullopt,
       d.required_tag ? "true" : "false", std::to_string(d.waiting_target_seconds),
       std::to_string(d.idle_prompt_after_seconds), std::to_string(d.idle_close_after_seconds),
       d.updated_by, std::to_string(d.updated_ms), std::to_string(d.auto_away_seconds),
       d.max_file_mb ? std::optional<std::string>(std::to_string(*d.max_file_mb)) : std::nullopt,
       d.file_types, d.pre_chat_form, d.survey, d.invitation_rules});
}

bool remove_department(pg_connection& db, const std::string& id, const std::string& by,
                       std::int64_t at_ms) {
  auto rows = db.exec(
      "UPDATE departments SET removed = true, updated_by = $2, updated_ms = $3 "
      "WHERE id = $1 AND NOT removed RETURNING id",
      {id, by, std::to_string(at_ms)});
  return rows.size() == 1;
}

}  // namespace lc::record
