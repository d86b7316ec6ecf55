#include "server/core/invitation_rule.hpp"

#include <array>
#include <utility>

#include "server/core/admin_json.hpp"
#include "server/core/utf8.hpp"

namespace lc::core {

namespace {

struct audience_name {
  rule_audience audience;
  std::string_view name;
};

constexpr std::array<audience_name, 3> audience_names{{{rule_audience::all, "all"},
                                                       {rule_audience::new_visitors, "new"},
                                                       {rule_audience::returning, "returning"}}};

std::string_view name_of(rule_audience audience) {
  for (const auto& a : audience_names) {
    if (a.audience == audience) return a.name;
  }
  return "all";
}

std::optional<invitation_rule> parse_rule(const json_value& v, const std::string& where,
                                          std::string* error) {
  if (!v.is_object()) return refuse<invitation_rule>(error, where + " must be an object");
  for (const auto& [key, member] : v.members()) {
    if (key != "text" && key != "seconds_on_page" && key != "url_pattern" && key != "visitors") {
      return refuse<invitation_rule>(error, unknown_member(key, where));
    }
  }
  invitation_rule rule;
  const json_value* text = v.find("text");
  if (text == nullptr || !text->is_string() || text->as_string().empty() ||
      text->as_string().size() > max_invitation_text_bytes || !is_valid_utf8(text->as_string())) {
    return refuse<invitation_rule>(
        error,
        where + ".text: 1.." + std::to_string(max_invitation_text_bytes) + " bytes of UTF-8");
  }
  rule.text = text->as_string();

  if (const json_value* seconds = v.find("seconds_on_page")) {
    const auto n = seconds->as_int64();
    if (!n || *n < 0 || *n > static_cast<std::int64_t>(max_rule_seconds)) {
      return refuse<invitation_rule>(
          error, where + ".seconds_on_page: 0.." + std::to_string(max_rule_seconds));
    }
    rule.seconds_on_page = static_cast<std::uint32_t>(*n);
  }

  if (const json_value* pattern = v.find("url_pattern")) {
    if (!pattern->is_string() || pattern->as_string().size() > max_url_pattern_bytes) {
      return refuse<invitation_rule>(error, where + ".url_pattern: a string of at most " +
                                                std::to_string(max_url_pattern_bytes) + " bytes");
    }
    rule.url_pattern = pattern->as_string();
  }

  if (const json_value* visitors = v.find("visitors")) {
    bool known = false;
    for (const auto& a : audience_names) {
      if (visitors->is_string() && visitors->as_string() == a.name) {
        rule.audience = a.audience;
        known = true;
      }
    }
    if (!known) return refuse<invitation_rule>(error, where + ".visitors: all, new or returning");
  }
  return rule;
}

// '*' runs of any characters, everything else itself, over the whole URL. On a mismatch only the
// latest star takes one more character: the earlier stars' runs never need to change, since
// any longer match of theirs is also open to the latest one. So at most pattern x URL steps,
// never the exponential search of trying every split.
bool glob_matches(std::string_view pattern, std::string_view url) {
  std::size_t p = 0;
  std::size_t u = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_u = 0;  // where the latest star's run ends now
  while (u < url.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_u = u;
    } else if (p < pattern.size() && pattern[p] == url[u]) {
      ++p;
      ++u;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      u = ++star_u;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

std::optional<std::vector<invitation_rule>> parse_invitation_rules(const json_value& v,
                                                                   std::string* error) {
  using rules = std::vector<invitation_rule>;
  if (!v.is_array()) return refuse<rules>(error, "invitation_rules must be an array");
  if (v.items().size() > max_invitation_rules) {
    return refuse<rules>(
        error, "invitation_rules: at most " + std::to_string(max_invitation_rules) + " rules");
  }
  rules out;
  out.reserve(v.items().size());
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    auto rule = parse_rule(v.items()[i], "invitation_rules[" + std::to_string(i) + "]", error);
    if (!rule) return std::nullopt;
    out.push_back(std::move(*rule));
  }
  return out;
}

void write_rules_json(json_writer& j, const std::vector<invitation_rule>& rules) {
  j.begin_array();
  for (const auto& r : rules) {
    j.begin_object();
    j.key("text").value(r.text);
    j.key("seconds_on_page").value(r.seconds_on_page);
    j.key("url_pattern").value(r.url_pattern);
    j.key("visitors").value(name_of(r.audience));
    j.end_object();
  }
  j.end_array();
}

std::string rules_json(const std::vector<invitation_rule>& rules) {
  json_writer j;
  write_rules_json(j, rules);
  return j.str();
}

std::optional<std::vector<invitation_rule>> rules_from_text(std::string_view text) {
  if (text.empty()) return std::vector<invitation_rule>{};
  auto v = parse_json(text);
  if (!v) return std::nullopt;
  return parse_invitation_rules(*v, nullptr);
}

bool url_pattern_matches(std::string_view pattern, std::string_view url) {
  if (pattern.empty()) return true;
  if (pattern.find('*') == std::string_view::npos) {
    return url.find(pattern) != std::string_view::npos;
  }
  return glob_matches(pattern, url);
}

bool rule_matches(const invitation_rule& rule, std::string_view url, std::uint32_t seconds,
                  std::uint32_t previous_chats) {
  if (seconds < rule.seconds_on_page || !url_pattern_matches(rule.url_pattern, url)) return false;
  switch (rule.audience) {
    case rule_audience::new_visitors:
      return previous_chats == 0;
    case rule_audience::returning:
      return previous_chats > 0;
    case rule_audience::all:
      break;
  }
  return true;
}

}  // namespace lc::core
