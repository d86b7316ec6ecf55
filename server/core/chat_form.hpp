#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/core/json.hpp"
#include "server/core/json_value.hpp"

namespace lc::core {

// Bounds of the forms an admin defines and of the answers a visitor gives.
inline constexpr std::size_t max_form_fields = 10;
inline constexpr std::size_t max_survey_questions = 3;
inline constexpr std::size_t max_field_id_bytes = 32;
inline constexpr std::size_t max_field_label_bytes = 200;
inline constexpr std::size_t max_consent_text_bytes = 1000;
inline constexpr std::size_t max_field_options = 20;
inline constexpr std::size_t max_field_option_bytes = 100;
inline constexpr std::size_t max_answer_bytes = 500;

using form_fields = std::vector<livechat::v1::FormField>;

// A department's pre-chat form from an admin's JSON (an array of {id, label, kind: "text" |
// "email" | "select" | "checkbox" | "consent", required, options}), checked: ids [a-z0-9_]
// unique, labels present and bounded (a consent's up to max_consent_text_bytes), options only
// and always for select (unique, non-empty), a consent field always required. Nothing and the
// reason for the admin when it is wrong.
std::optional<form_fields> parse_pre_chat_form(const json_value& v, std::string* error);
// A survey from {scale: 2|3|5|10, comment: bool, questions: [fields of kind text, select or
// checkbox]}; absent members take the defaults (5, true, none).
std::optional<livechat::v1::Survey> parse_survey(const json_value& v, std::string* error);
// The default survey: stars 1..5 and a comment, as before surveys were configurable.
livechat::v1::Survey default_survey();

// The same shapes as JSON (what the parsers take back), for the admin API and for storage.
void write_form_json(json_writer& j, const form_fields& fields);
void write_survey_json(json_writer& j, const livechat::v1::Survey& s);
std::string form_json(const form_fields& fields);
std::string survey_json(const livechat::v1::Survey& s);
// Stored text back ("" is the empty form, or the default survey); nothing when it does not parse.
std::optional<form_fields> form_from_text(std::string_view text);
std::optional<livechat::v1::Survey> survey_from_text(std::string_view text);

// A visitor's answers to `fields`, checked: every required field answered, no unknown or
// repeated field, values valid UTF-8 within max_answer_bytes, emails shaped like one (as the
// pre-chat email), a select's value one of its options, a checkbox "true" or "false", a consent
// "true". Returns the answers in the form's order, each with its field's label, empty answers
// to optional fields left out; or nothing and the reason for the visitor ("'company' is
// required", "'plan' must be one of its options").
std::optional<std::vector<livechat::v1::FormAnswer>> check_answers(
    const form_fields& fields,
    const google::protobuf::RepeatedPtrField<livechat::v1::FormAnswer>& given, std::string* error);

// Answers as stored with a conversation (netstrings: id, label, value, ...) and back.
std::string encode_answers(const std::vector<livechat::v1::FormAnswer>& answers);
std::vector<livechat::v1::FormAnswer> decode_answers(std::string_view text);
// As a JSON array of {field_id, label, value} (history, exports, webhooks).
void write_answers_json(json_writer& j, const std::vector<livechat::v1::FormAnswer>& answers);

}  // namespace lc::core
