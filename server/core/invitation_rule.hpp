#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/json.hpp"
#include "server/core/json_value.hpp"

namespace lc::core {

inline constexpr std::size_t max_invitation_rules = 10;
inline constexpr std::size_t max_invitation_text_bytes = 500;
inline constexpr std::size_t max_url_pattern_bytes = 300;
inline constexpr std::uint32_t max_rule_seconds = 3600;

// Which visitors a rule invites.
enum class rule_audience : std::uint8_t { all, new_visitors, returning };

// One of a department's proactive-invitation rules: a visitor on the site who is not chatting
// is invited, in an available agent's name, once they have been `seconds_on_page` on a page
// whose URL matches `url_pattern` and they are of the audience.
struct invitation_rule {
  std::string text;  // the greeting
  std::uint32_t seconds_on_page = 0;
  // "" : every page; with a '*': a glob over the whole URL ('*' any run of characters);
  // otherwise: the URL contains it. Case-sensitive (paths are).
  std::string url_pattern;
  rule_audience audience = rule_audience::all;

  bool operator==(const invitation_rule&) const = default;
};

// A department's rules from an admin's JSON (an array of {text, seconds_on_page, url_pattern,
// visitors: "all" | "new" | "returning"}), checked: at most max_invitation_rules, text 1..500
// bytes of UTF-8, seconds 0..3600, pattern within max_url_pattern_bytes. Nothing and the reason
// for the admin when one is wrong.
std::optional<std::vector<invitation_rule>> parse_invitation_rules(const json_value& v,
                                                                   std::string* error);
void write_rules_json(json_writer& j, const std::vector<invitation_rule>& rules);
std::string rules_json(const std::vector<invitation_rule>& rules);
// Stored text back ("" is no rules); nothing when it does not parse.
std::optional<std::vector<invitation_rule>> rules_from_text(std::string_view text);

// Whether `url` matches the pattern as invitation_rule describes.
bool url_pattern_matches(std::string_view pattern, std::string_view url);
// Whether the rule invites a visitor `seconds` on `url` who had `previous_chats` chats before.
bool rule_matches(const invitation_rule& rule, std::string_view url, std::uint32_t seconds,
                  std::uint32_t previous_chats);

}  // namespace lc::core
