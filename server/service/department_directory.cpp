#include "server/service/department_directory.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

namespace lc::service {

namespace {

department defaults_for(const std::string& id) {
  department d;
  d.settings.id = id;
  d.settings.display_name = id;
  return d;
}

}  // namespace

department_directory::department_directory(const std::vector<std::string>& ids,
                                           std::chrono::milliseconds reassign_after)
    : ids_(ids), reassign_after_(reassign_after) {
  for (const auto& id : ids) list_.push_back(defaults_for(id));
}

const department* department_directory::find(std::string_view id) const {
  for (const auto& d : list_) {
    if (d.settings.id == id) return &d;
  }
  return nullptr;
}

std::chrono::milliseconds department_directory::reassign_after(std::string_view id) const {
  const auto* d = find(id);
  if (d == nullptr || !d->settings.reassign_after_seconds) return reassign_after_;
  return std::chrono::seconds(*d->settings.reassign_after_seconds);
}

std::vector<const department*> department_directory::with_idle_policy() const {
  std::vector<const department*> out;
  for (const auto& d : list_) {
    if (d.settings.idle_prompt_after_seconds > 0) out.push_back(&d);
  }
  return out;
}

std::vector<const department*> department_directory::with_invitation_rules() const {
  std::vector<const department*> out;
  for (const auto& d : list_) {
    if (!d.invitation_rules.empty()) out.push_back(&d);
  }
  return out;
}

std::vector<std::string> department_directory::tag_required() const {
  std::vector<std::string> out;
  for (const auto& d : list_) {
    if (d.settings.required_tag) out.push_back(d.settings.id);
  }
  return out;
}

bool department_directory::open_at(std::string_view id, std::int64_t now_ms) const {
  const auto* d = find(id);
  return d == nullptr || d->hours.open_at(now_ms);
}

std::optional<core::business_hours> department_directory::compile(const record::department_row& row,
                                                                  std::string* error) {
  auto schedule = core::parse_schedule(row.hours, error);
  if (!schedule) return std::nullopt;
  auto holidays = core::parse_holidays(row.holidays, error);
  if (!holidays) return std::nullopt;
  auto zone = core::load_time_zone(row.time_zone);
  if (!zone) {
    if (error != nullptr) *error = "unknown time zone '" + row.time_zone + "'";
    return std::nullopt;
  }
  return core::business_hours(std::move(*schedule), *holidays, std::move(*zone));
}

std::vector<std::string> department_directory::replace(
    const std::vector<record::department_row>& rows) {
  std::vector<department> next;
  next.reserve(rows.size());
  for (const auto& row : rows) {
    const auto* old = find(row.id);
    if (old != nullptr && old->settings == row) {
      next.push_back(*old);
      continue;
    }
    department d;
    d.settings = row;
    std::string error;
    if (auto hours = compile(row, &error)) {
      d.hours = std::move(*hours);
    } else {
      // Written before this node could read it (another node's zone files): open, not lost.
      spdlog::warn("department {}: business hours not applied: {}", row.id, error);
    }
    // Stored only after the admin API checked them: a text that does not parse is another
    // version's, and leaves the department without it rather than unrouted.
    if (auto form = core::form_from_text(row.pre_chat_form)) {
      d.pre_chat_form = std::move(*form);
    } else {
      spdlog::warn("department {}: pre-chat form not applied", row.id);
    }
    if (auto survey = core::survey_from_text(row.survey)) {
      d.survey = std::move(*survey);
    } else {
      spdlog::warn("department {}: survey not applied", row.id);
    }
    if (auto rules = core::rules_from_text(row.invitation_rules)) {
      d.invitation_rules = std::move(*rules);
    } else {
      spdlog::warn("department {}: invitation rules not applied", row.id);
    }
    next.push_back(std::move(d));
  }
  std::vector<std::string> added;
  std::vector<std::string> ids;
  ids.reserve(next.size());
  for (const auto& d : next) {
    ids.push_back(d.settings.id);
    if (std::find(ids_.begin(), ids_.end(), d.settings.id) == ids_.end()) {
      added.push_back(d.settings.id);
    }
  }
  list_ = std::move(next);
  ids_ = std::move(ids);
  return added;
}

}  // namespace lc::service
