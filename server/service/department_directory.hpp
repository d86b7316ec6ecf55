#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/business_hours.hpp"
#include "server/core/chat_form.hpp"
#include "server/core/invitation_rule.hpp"
#include "server/record/departments.hpp"

namespace lc::service {

// One department as this node routes it: its settings, and its business hours, forms and
// invitation rules compiled.
struct department {
  record::department_row settings;
  core::business_hours hours;
  core::form_fields pre_chat_form;
  livechat::v1::Survey survey = core::default_survey();
  std::vector<core::invitation_rule> invitation_rules;
};

// The departments this node routes and how: seeded with --departments (open around the clock,
// the server's defaults) and replaced with the system of record's rows every few seconds, so an
// edit in /admin reaches every node without a restart. Used on the service's loop only.
class department_directory {
 public:
  department_directory(const std::vector<std::string>& ids,
                       std::chrono::milliseconds reassign_after);

  const std::vector<std::string>& ids() const { return ids_; }
  bool has(std::string_view id) const { return find(id) != nullptr; }
  const department* find(std::string_view id) const;
  // How long an agent matched in `id` has to answer before the chat goes to another (0: never).
  std::chrono::milliseconds reassign_after(std::string_view id) const;
  // The departments with invitation rules.
  std::vector<const department*> with_invitation_rules() const;
  // The departments with an idle policy.
  std::vector<const department*> with_idle_policy() const;
  // The departments whose agents tag every chat before closing it.
  std::vector<std::string> tag_required() const;
  // Open for new chats at `now_ms` (a department not known here is: the caller checked it).
  bool open_at(std::string_view id, std::int64_t now_ms) const;
  // Takes the system of record's rows, which hold the seeded ids (seeded before they are read)
  // unless an admin removed them: what they do not name is no longer routed. Returns the ids
  // that are new here.
  std::vector<std::string> replace(const std::vector<record::department_row>& rows);

  // A row's hours, or nullopt and the reason (for an admin) when its texts or zone are wrong.
  static std::optional<core::business_hours> compile(const record::department_row& row,
                                                     std::string* error);

 private:
  std::vector<department> list_;
  std::vector<std::string> ids_;
  std::chrono::milliseconds reassign_after_;
};

}  // namespace lc::service
