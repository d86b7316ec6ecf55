#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// One department's row: what /admin edits (hours and holidays in core/business_hours text form).
struct department_row {
  std::string id;
  std::string display_name;
  std::string language;
  std::string time_zone = "UTC";
  std::string hours;
  std::string holidays;
  std::optional<std::int32_t> reassign_after_seconds;  // none: the server's --reassign-after
  bool required_tag = false;
  std::int32_t waiting_target_seconds = 120;
  std::int32_t idle_prompt_after_seconds = 0;  // 0: chats are never asked about
  std::int32_t idle_close_after_seconds = 0;   // 0: an idle chat is asked, never closed
  std::int32_t auto_away_seconds = 600;        // console inactivity before away; 0: never
  std::optional<std::int32_t> max_file_mb;     // none: the server's --max-file-mb; 0: no files
  std::string file_types;                      // comma-separated; "": the server's --file-types
  // Canonical JSON as core/chat_form and core/invitation_rule write it ("": none / the default).
  std::string pre_chat_form, survey, invitation_rules;
  std::string updated_by;
  std::int64_t updated_ms = 0;

  bool operator==(const department_row&) const = default;
};

// The departments in use (not removed), by id.
std::vector<department_row> list_departments(pg_connection& db);
// Gives each id with no row one with the defaults (its display name the id); existing rows stay,
// removed ones too: a department an admin removed is not brought back by a restart.
void seed_departments(pg_connection& db, const std::vector<std::string>& ids);
// Creates or replaces the row (restoring a removed department).
void save_department(pg_connection& db, const department_row& d);
// Marks the department removed; false when there is no such department in use.
bool remove_department(pg_connection& db, const std::string& id, const std::string& by,
                       std::int64_t at_ms);

}  // namespace lc::record
