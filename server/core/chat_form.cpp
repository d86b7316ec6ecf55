#include "server/core/chat_form.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "server/core/admin_json.hpp"
#include "server/core/netstring.hpp"
#include "server/core/utf8.hpp"
#include "server/core/validate.hpp"

namespace lc::core {

namespace {

namespace pb = livechat::v1;

struct kind_name {
  pb::FieldKind kind;
  std::string_view name;
};

constexpr std::array<kind_name, 5> kind_names{{{pb::FIELD_KIND_TEXT, "text"},
                                               {pb::FIELD_KIND_EMAIL, "email"},
                                               {pb::FIELD_KIND_SELECT, "select"},
                                               {pb::FIELD_KIND_CHECKBOX, "checkbox"},
                                               {pb::FIELD_KIND_CONSENT, "consent"}}};

constexpr std::array<std::uint32_t, 4> survey_scales{2, 3, 5, 10};
constexpr std::uint32_t default_scale = 5;

std::string_view name_of(pb::FieldKind kind) {
  for (const auto& k : kind_names) {
    if (k.kind == kind) return k.name;
  }
  // Only a form built by hand can hold another kind; the parsers refuse what this writes.
  return "unspecified";
}

std::optional<pb::FieldKind> kind_of(std::string_view name) {
  for (const auto& k : kind_names) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

// What a form or a survey may hold: the pre-chat form every kind, a survey's questions only
// those answered on the same screen as the rating.
struct field_rules {
  std::string_view where;  // "pre_chat_form" or "survey.questions", for the reasons
  std::size_t max_fields;
  bool survey;
};

constexpr field_rules pre_chat_rules{"pre_chat_form", max_form_fields, false};
constexpr field_rules question_rules{"survey.questions", max_survey_questions, true};

bool kind_allowed(const field_rules& rules, pb::FieldKind kind) {
  return !rules.survey || kind == pb::FIELD_KIND_TEXT || kind == pb::FIELD_KIND_SELECT ||
         kind == pb::FIELD_KIND_CHECKBOX;
}

bool is_field_id(std::string_view id) {
  return !id.empty() && id.size() <= max_field_id_bytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

bool bounded_text(const json_value* v, std::size_t max) {
  return v != nullptr && v->is_string() && !v->as_string().empty() &&
         v->as_string().size() <= max && is_valid_utf8(v->as_string());
}

std::optional<pb::FormField> parse_field(const json_value& v, const field_rules& rules,
                                         const std::string& where, std::string* error) {
  using field = std::optional<pb::FormField>;
  if (!v.is_object()) return refuse<pb::FormField>(error, where + " must be an object");
  for (const auto& [key, member] : v.members()) {
    if (key != "id" && key != "label" && key != "kind" && key != "required" && key != "options") {
      return refuse<pb::FormField>(error, unknown_member(key, where));
    }
  }
  pb::FormField f;
  const json_value* id = v.find("id");
  if (id == nullptr || !id->is_string() || !is_field_id(id->as_string())) {
    return refuse<pb::FormField>(
        error, where + ".id: 1.." + std::to_string(max_field_id_bytes) + " of a-z, 0-9 and _");
  }
  f.set_id(id->as_string());

  const json_value* kind = v.find("kind");
  const auto parsed_kind =
      kind != nullptr && kind->is_string() ? kind_of(kind->as_string()) : std::nullopt;
  if (!parsed_kind || !kind_allowed(rules, *parsed_kind)) {
    return refuse<pb::FormField>(error,
                                 where + (rules.survey ? ".kind: text, select or checkbox"
                                                       : ".kind: text, email, select, checkbox or "
                                                         "consent"));
  }
  f.set_kind(*parsed_kind);
  const bool consent = f.kind() == pb::FIELD_KIND_CONSENT;

  const std::size_t max_label = consent ? max_consent_text_bytes : max_field_label_bytes;
  const json_value* label = v.find("label");
  if (!bounded_text(label, max_label)) {
    return refuse<pb::FormField>(
        error, where + ".label: 1.." + std::to_string(max_label) + " bytes of UTF-8");
  }
  f.set_label(label->as_string());

  if (const json_value* required = v.find("required")) {
    if (!required->is_bool())
      return refuse<pb::FormField>(error, where + ".required: true or false");
    // Consent that may be left unticked records nothing: it is no consent field.
    if (consent && !required->as_bool()) {
      return refuse<pb::FormField>(error, where + ".required: a consent field is always required");
    }
    f.set_required(required->as_bool());
  }
  if (consent) f.set_required(true);

  const json_value* options = v.find("options");
  if (f.kind() != pb::FIELD_KIND_SELECT) {
    if (options != nullptr) {
      return refuse<pb::FormField>(error, where + ".options: only a select field has options");
    }
    return field(std::move(f));
  }
  const std::string options_reason = where + ".options: 1.." + std::to_string(max_field_options) +
                                     " strings of 1.." + std::to_string(max_field_option_bytes) +
                                     " bytes";
  if (options == nullptr || !options->is_array() || options->items().empty() ||
      options->items().size() > max_field_options) {
    return refuse<pb::FormField>(error, options_reason);
  }
  for (const auto& option : options->items()) {
    if (!bounded_text(&option, max_field_option_bytes)) {
      return refuse<pb::FormField>(error, options_reason);
    }
    const auto& seen = f.options();
    if (std::find(seen.begin(), seen.end(), option.as_string()) != seen.end()) {
      return refuse<pb::FormField>(error,
                                   where + ".options: '" + option.as_string() + "' is given twice");
    }
    f.add_options(option.as_string());
  }
  return field(std::move(f));
}

std::optional<form_fields> parse_fields(const json_value& v, const field_rules& rules,
                                        std::string* error) {
  const std::string where(rules.where);
  if (!v.is_array()) return refuse<form_fields>(error, where + " must be an array");
  if (v.items().size() > rules.max_fields) {
    return refuse<form_fields>(error,
                               where + ": at most " + std::to_string(rules.max_fields) + " fields");
  }
  form_fields fields;
  fields.reserve(v.items().size());
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    auto f = parse_field(v.items()[i], rules, at, error);
    if (!f) return std::nullopt;
    // Answers name their field by id: two fields with one id could not be told apart.
    const bool taken = std::any_of(fields.begin(), fields.end(),
                                   [&](const pb::FormField& g) { return g.id() == f->id(); });
    if (taken) return refuse<form_fields>(error, at + ".id: '" + f->id() + "' is used twice");
    fields.push_back(std::move(*f));
  }
  return fields;
}

void write_field(json_writer& j, const pb::FormField& f) {
  j.begin_object();
  j.key("id").value(f.id());
  j.key("label").value(f.label());
  j.key("kind").value(name_of(f.kind()));
  j.key("required").value(f.required());
  if (f.kind() == pb::FIELD_KIND_SELECT) {
    j.key("options").begin_array();
    for (const auto& o : f.options()) j.value(o);
    j.end_array();
  }
  j.end_object();
}

std::string quoted(std::string_view id) {
  return "'" + std::string(id) + "'";
}

std::optional<std::string> check_value(const pb::FormField& f, std::string_view value) {
  const std::string name = quoted(f.id());
  if (value.size() > max_answer_bytes) {
    return name + " is longer than " + std::to_string(max_answer_bytes) + " bytes";
  }
  if (!is_valid_utf8(value)) return name + " is not valid UTF-8";
  switch (f.kind()) {
    case pb::FIELD_KIND_EMAIL:
      if (!looks_like_email(value)) return name + " is not an email address";
      break;
    case pb::FIELD_KIND_SELECT:
      if (std::find(f.options().begin(), f.options().end(), value) == f.options().end()) {
        return name + " must be one of its options";
      }
      break;
    case pb::FIELD_KIND_CHECKBOX:
      if (value != "true" && value != "false") return name + " must be true or false";
      if (f.required() && value != "true") return name + " must be checked";
      break;
    case pb::FIELD_KIND_CONSENT:
      if (value != "true") return name + " must be accepted";
      break;
    default:  // text: any words within the bounds
      break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<form_fields> parse_pre_chat_form(const json_value& v, std::string* error) {
  return parse_fields(v, pre_chat_rules, error);
}

std::optional<pb::Survey> parse_survey(const json_value& v, std::string* error) {
  if (!v.is_object()) return refuse<pb::Survey>(error, "survey must be an object");
  for (const auto& [key, member] : v.members()) {
    if (key != "scale" && key != "comment" && key != "questions") {
      return refuse<pb::Survey>(error, unknown_member(key, "survey"));
    }
  }
  pb::Survey s = default_survey();
  if (const json_value* scale = v.find("scale")) {
    const auto n = scale->as_int64();
    if (!n || std::find(survey_scales.begin(), survey_scales.end(), *n) == survey_scales.end()) {
      return refuse<pb::Survey>(error, "survey.scale: 2, 3, 5 or 10");
    }
    s.set_scale(static_cast<std::uint32_t>(*n));
  }
  if (const json_value* comment = v.find("comment")) {
    if (!comment->is_bool()) return refuse<pb::Survey>(error, "survey.comment: true or false");
    s.set_comment(comment->as_bool());
  }
  if (const json_value* questions = v.find("questions")) {
    auto fields = parse_fields(*questions, question_rules, error);
    if (!fields) return std::nullopt;
    for (auto& f : *fields) *s.add_questions() = std::move(f);
  }
  return s;
}

pb::Survey default_survey() {
  pb::Survey s;
  s.set_scale(default_scale);
  s.set_comment(true);
  return s;
}

void write_form_json(json_writer& j, const form_fields& fields) {
  j.begin_array();
  for (const auto& f : fields) write_field(j, f);
  j.end_array();
}

void write_survey_json(json_writer& j, const pb::Survey& s) {
  j.begin_object();
  j.key("scale").value(s.scale());
  j.key("comment").value(s.comment());
  j.key("questions").begin_array();
  for (const auto& q : s.questions()) write_field(j, q);
  j.end_array();
  j.end_object();
}

std::string form_json(const form_fields& fields) {
  json_writer j;
  write_form_json(j, fields);
  return j.str();
}

std::string survey_json(const pb::Survey& s) {
  json_writer j;
  write_survey_json(j, s);
  return j.str();
}

std::optional<form_fields> form_from_text(std::string_view text) {
  if (text.empty()) return form_fields{};
  auto v = parse_json(text);
  if (!v) return std::nullopt;
  return parse_pre_chat_form(*v, nullptr);
}

std::optional<pb::Survey> survey_from_text(std::string_view text) {
  if (text.empty()) return default_survey();
  auto v = parse_json(text);
  if (!v) return std::nullopt;
  return parse_survey(*v, nullptr);
}

std::optional<std::vector<pb::FormAnswer>> check_answers(
    const form_fields& fields, const google::protobuf::RepeatedPtrField<pb::FormAnswer>& given,
    std::string* error) {
  using answers = std::vector<pb::FormAnswer>;
  // The given answer of each field, by the field's index.
  std::vector<const pb::FormAnswer*> answer_of(fields.size(), nullptr);
  for (const auto& a : given) {
    const auto it = std::find_if(fields.begin(), fields.end(),
                                 [&](const pb::FormField& f) { return f.id() == a.field_id(); });
    if (it == fields.end()) {
      // Only ids of the field grammar are echoed: the reason must not carry a client's text.
      if (!is_field_id(a.field_id())) {
        return refuse<answers>(error, "an answer names no field of the form");
      }
      return refuse<answers>(error, quoted(a.field_id()) + " is not a field of the form");
    }
    auto& slot = answer_of[static_cast<std::size_t>(it - fields.begin())];
    if (slot != nullptr) return refuse<answers>(error, quoted(a.field_id()) + " is answered twice");
    slot = &a;
  }
  answers out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    const std::string_view value =
        answer_of[i] != nullptr ? std::string_view(answer_of[i]->value()) : std::string_view();
    if (value.empty()) {
      if (!f.required()) continue;
      return refuse<answers>(
          error, quoted(f.id()) +
                     (f.kind() == pb::FIELD_KIND_CONSENT ? " must be accepted" : " is required"));
    }
    if (auto reason = check_value(f, value)) return refuse<answers>(error, std::move(*reason));
    pb::FormAnswer& a = out.emplace_back();
    a.set_field_id(f.id());
    a.set_label(f.label());
    a.set_value(std::string(value));
  }
  return out;
}

std::string encode_answers(const std::vector<pb::FormAnswer>& answers) {
  std::string out;
  for (const auto& a : answers) {
    append_netstring(out, a.field_id());
    append_netstring(out, a.label());
    append_netstring(out, a.value());
  }
  return out;
}

std::vector<pb::FormAnswer> decode_answers(std::string_view text) {
  std::vector<pb::FormAnswer> out;
  const auto items = split_netstrings(text);
  if (!items) return out;
  // A triple cut short is dropped whole: an answer without its value is no answer.
  for (std::size_t i = 0; i + 3 <= items->size(); i += 3) {
    pb::FormAnswer& a = out.emplace_back();
    a.set_field_id(std::string((*items)[i]));
    a.set_label(std::string((*items)[i + 1]));
    a.set_value(std::string((*items)[i + 2]));
  }
  return out;
}

void write_answers_json(json_writer& j, const std::vector<pb::FormAnswer>& answers) {
  j.begin_array();
  for (const auto& a : answers) {
    j.begin_object();
    j.key("field_id").value(a.field_id());
    j.key("label").value(a.label());
    j.key("value").value(a.value());
    j.end_object();
  }
  j.end_array();
}

}  // namespace lc::core
