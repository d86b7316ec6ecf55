// An admin's department settings and a visitor's answers, as JSON: {"form": [...], "answers":
// [{field_id, value}], "survey": {...}, "rules": [...], "pattern": "...", "url": "..."}. What
// the parsers accept is written back and read again to the same value; what check_answers lets
// through is the form's own fields, in its order, and survives storage.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/chat_form.hpp"
#include "server/core/invitation_rule.hpp"
#include "server/core/json_value.hpp"

namespace {

namespace pb = livechat::v1;
using lc::core::form_fields;
using lc::core::json_value;

// Neither FormField nor Survey has a map, so equal messages serialize to equal bytes.
bool same(const google::protobuf::MessageLite& a, const google::protobuf::MessageLite& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

bool same(const form_fields& a, const form_fields& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

void check_patterns(const json_value& input) {
  const json_value* pattern = input.find("pattern");
  const json_value* url = input.find("url");
  if (pattern == nullptr || url == nullptr || !pattern->is_string() || !url->is_string()) return;
  const std::string& p = pattern->as_string();
  const std::string& u = url->as_string();
  const bool matched = lc::core::url_pattern_matches(p, u);
  if (p.find('*') == std::string::npos && matched != (u.find(p) != std::string::npos)) {
    __builtin_trap();
  }
  // A star matches itself too, so every pattern matches its own text; and "*" around a URL
  // without stars matches it.
  if (!lc::core::url_pattern_matches(p, p)) __builtin_trap();
  if (u.find('*') == std::string::npos && !lc::core::url_pattern_matches("*" + u + "*", u)) {
    __builtin_trap();
  }
  if (!lc::core::url_pattern_matches("*", u) || !lc::core::url_pattern_matches("", u)) {
    __builtin_trap();
  }
}

void check_rules(const json_value& v, std::string_view url) {
  std::string error;
  const auto rules = lc::core::parse_invitation_rules(v, &error);
  if (!rules) {
    if (error.empty()) __builtin_trap();
    return;
  }
  const auto back = lc::core::rules_from_text(lc::core::rules_json(*rules));
  if (!back || *back != *rules) __builtin_trap();
  for (const auto& r : *rules) {
    if (lc::core::rule_matches(r, url, r.seconds_on_page, 0) !=
        lc::core::rule_matches(r, url, lc::core::max_rule_seconds, 0)) {
      __builtin_trap();
    }
  }
}

std::optional<pb::Survey> check_survey(const json_value& v) {
  std::string error;
  auto survey = lc::core::parse_survey(v, &error);
  if (!survey) {
    if (error.empty()) __builtin_trap();
    return std::nullopt;
  }
  const auto back = lc::core::survey_from_text(lc::core::survey_json(*survey));
  if (!back || !same(*back, *survey)) __builtin_trap();
  return survey;
}

google::protobuf::RepeatedPtrField<pb::FormAnswer> answers_of(const json_value& v) {
  google::protobuf::RepeatedPtrField<pb::FormAnswer> given;
  for (const auto& item : v.items()) {
    auto* a = given.Add();
    if (const auto* id = item.find("field_id")) a->set_field_id(id->as_string());
    if (const auto* value = item.find("value")) a->set_value(value->as_string());
  }
  return given;
}

// What check_answers lets through: fields of the form, each once, in its order, labelled, no
// empty value; and the same after storage.
void check_answers(const form_fields& fields,
                   const google::protobuf::RepeatedPtrField<pb::FormAnswer>& given) {
  std::string error;
  const auto checked = lc::core::check_answers(fields, given, &error);
  if (!checked) {
    if (error.empty()) __builtin_trap();
    return;
  }
  std::size_t next = 0;
  for (const auto& a : *checked) {
    while (next < fields.size() && fields[next].id() != a.field_id()) ++next;
    if (next == fields.size()) __builtin_trap();
    if (a.label() != fields[next].label() || a.value().empty()) __builtin_trap();
    if (a.value().size() > lc::core::max_answer_bytes) __builtin_trap();
    ++next;
  }
  const auto decoded = lc::core::decode_answers(lc::core::encode_answers(*checked));
  if (decoded.size() != checked->size()) __builtin_trap();
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const auto& x = decoded[i];
    const auto& y = (*checked)[i];
    if (x.field_id() != y.field_id() || x.label() != y.label() || x.value() != y.value()) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Stored answers come back from Redis and PostgreSQL: any bytes must decode or give nothing.
  (void)lc::core::decode_answers(text);
  const auto input = lc::core::parse_json(text);
  if (!input || !input->is_object()) return 0;
  check_patterns(*input);

  const json_value* form = input->find("form");
  const json_value* answers = input->find("answers");
  if (form == nullptr || answers == nullptr) return 0;

  std::string error;
  const auto fields = lc::core::parse_pre_chat_form(*form, &error);
  if (fields) {
    const auto back = lc::core::form_from_text(lc::core::form_json(*fields));
    if (!back || !same(*back, *fields)) __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();
  }
  std::optional<pb::Survey> survey;
  if (const json_value* s = input->find("survey")) survey = check_survey(*s);
  if (const json_value* rules = input->find("rules")) {
    const json_value* url = input->find("url");
    check_rules(*rules, url != nullptr ? std::string_view(url->as_string()) : std::string_view());
  }

  const auto given = answers_of(*answers);
  // A department without a valid form takes answers as one without a form.
  check_answers(fields.value_or(form_fields{}), given);
  if (survey) {
    check_answers(form_fields(survey->questions().begin(), survey->questions().end()), given);
  }
  return 0;
}
