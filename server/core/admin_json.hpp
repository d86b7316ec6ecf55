#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace lc::core {

// Shared by the parsers of an admin's JSON settings (forms, invitation rules): nothing, with the
// reason for the admin in `error`.
template <typename T>
std::optional<T> refuse(std::string* error, std::string reason) {
  if (error != nullptr) *error = std::move(reason);
  return std::nullopt;
}

// "unknown field 'key' in where"
inline std::string unknown_member(std::string_view key, std::string_view where) {
  std::string reason = "unknown field '";
  reason.append(key).append("' in ").append(where);
  return reason;
}

}  // namespace lc::core
