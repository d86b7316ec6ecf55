#include "server/core/chat_form.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "server/core/netstring.hpp"
#include "server/core/validate.hpp"

namespace lc::core {
namespace {

namespace pb = livechat::v1;
using namespace std::string_literals;

json_value json(std::string_view text) {
  std::string error;
  auto v = parse_json(text, &error);
  EXPECT_TRUE(v) << text << ": " << error;
  return v.value_or(json_value());
}

form_fields form(std::string_view text) {
  std::string error;
  auto f = parse_pre_chat_form(json(text), &error);
  EXPECT_TRUE(f) << text << ": " << error;
  return f.value_or(form_fields{});
}

std::string form_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_pre_chat_form(json(text), &error)) << text;
  return error;
}

std::string survey_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_survey(json(text), &error)) << text;
  return error;
}

// A field with `members` (JSON object members, without braces) in a one-field form.
std::string one_field(std::string_view members) {
  return "[{" + std::string(members) + "}]";
}

bool same(const pb::FormField& a, const pb::FormField& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

bool same(const form_fields& a, const form_fields& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

// The form most tests answer: one of every kind.
constexpr std::string_view sales_form = R"([
  {"id": "company", "label": "Company", "kind": "text", "required": true},
  {"id": "work_email", "label": "Work email", "kind": "email"},
  {"id": "plan", "label": "Plan", "kind": "select", "options": ["Free", "Pro"]},
  {"id": "news", "label": "Send me news", "kind": "checkbox"},
  {"id": "terms", "label": "I agree to the terms.", "kind": "consent"}
])";

pb::FormAnswer answer(std::string_view id, std::string_view value) {
  pb::FormAnswer a;
  a.set_field_id(std::string(id));
  a.set_value(std::string(value));
  return a;
}

google::protobuf::RepeatedPtrField<pb::FormAnswer> answers(
    std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
  google::protobuf::RepeatedPtrField<pb::FormAnswer> out;
  for (const auto& [id, value] : list) *out.Add() = answer(id, value);
  return out;
}

// The answers every required field of sales_form needs.
google::protobuf::RepeatedPtrField<pb::FormAnswer> minimal_answers() {
  return answers({{"company", "Acme"}, {"terms", "true"}});
}

std::string answer_error(const form_fields& fields,
                         const google::protobuf::RepeatedPtrField<pb::FormAnswer>& given) {
  std::string error;
  EXPECT_FALSE(check_answers(fields, given, &error));
  return error;
}

// A minimal answer set with `id` answered `value` as well.
std::string answer_error(std::string_view id, std::string_view value) {
  auto given = minimal_answers();
  bool replaced = false;
  for (auto& a : given) {
    if (a.field_id() == id) {
      a.set_value(std::string(value));
      replaced = true;
    }
  }
  if (!replaced) *given.Add() = answer(id, value);
  return answer_error(form(sales_form), given);
}

// --------------------------------------------------------------------------- parsing a form

TEST(ChatFormParse, reads_every_kind_and_defaults_required_to_false) {
  const auto fields = form(sales_form);
  ASSERT_EQ(fields.size(), 5U);
  EXPECT_EQ(fields[0].id(), "company");
  EXPECT_EQ(fields[0].label(), "Company");
  EXPECT_EQ(fields[0].kind(), pb::FIELD_KIND_TEXT);
  EXPECT_TRUE(fields[0].required());
  EXPECT_EQ(fields[1].kind(), pb::FIELD_KIND_EMAIL);
  EXPECT_FALSE(fields[1].required());
  EXPECT_EQ(fields[2].kind(), pb::FIELD_KIND_SELECT);
  ASSERT_EQ(fields[2].options_size(), 2);
  EXPECT_EQ(fields[2].options(0), "Free");
  EXPECT_EQ(fields[2].options(1), "Pro");
  EXPECT_EQ(fields[3].kind(), pb::FIELD_KIND_CHECKBOX);
  EXPECT_EQ(fields[4].kind(), pb::FIELD_KIND_CONSENT);
  EXPECT_TRUE(fields[4].required()) << "a consent field is required without saying so";
  EXPECT_TRUE(form("[]").empty());
}

TEST(ChatFormParse, refuses_what_is_not_an_array_of_objects) {
  EXPECT_EQ(form_error(R"({"id": "a"})"), "pre_chat_form must be an array");
  EXPECT_EQ(form_error("[1]"), "pre_chat_form[0] must be an object");
  EXPECT_EQ(form_error(R"([{"id": "a", "label": "A", "kind": "text"}, "b"])"),
            "pre_chat_form[1] must be an object");
}

TEST(ChatFormParse, refuses_unknown_members) {
  EXPECT_EQ(form_error(R"([{"id": "a", "label": "A", "kind": "text"},
                           {"id": "b", "label": "B", "kind": "text"},
                           {"id": "c", "label": "C", "kind": "text", "placeholder": "x"}])"),
            "unknown field 'placeholder' in pre_chat_form[2]");
}

TEST(ChatFormParse, ids_are_short_lower_case_words_and_unique) {
  const std::string id33(33, 'a');
  for (const std::string& bad :
       {R"("id": "",)"s, R"("id": "Company",)"s, R"("id": "a-b",)"s, R"("id": "a b",)"s,
        R"("id": 7,)"s, ""s, R"("id": ")" + id33 + "\","}) {
    EXPECT_EQ(form_error(one_field(bad + R"("label": "A", "kind": "text")")),
              "pre_chat_form[0].id: 1..32 of a-z, 0-9 and _")
        << bad;
  }
  const std::string id32 = "a_09" + std::string(28, 'z');
  EXPECT_EQ(form(one_field(R"("id": ")" + id32 + R"(", "label": "A", "kind": "text")"))[0].id(),
            id32);
  EXPECT_EQ(form_error(R"([{"id": "a", "label": "A", "kind": "text"},
                           {"id": "b", "label": "B", "kind": "text"},
                           {"id": "a", "label": "C", "kind": "email"}])"),
            "pre_chat_form[2].id: 'a' is used twice");
}

TEST(ChatFormParse, labels_are_present_and_bounded) {
  EXPECT_EQ(form_error(one_field(R"("id": "a", "kind": "text")")),
            "pre_chat_form[0].label: 1..200 bytes of UTF-8");
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "", "kind": "text")")),
            "pre_chat_form[0].label: 1..200 bytes of UTF-8");
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": true, "kind": "text")")),
            "pre_chat_form[0].label: 1..200 bytes of UTF-8");
  const std::string label200(200, 'x');
  EXPECT_EQ(
      form(one_field(R"("id": "a", "kind": "text", "label": ")" + label200 + "\""))[0].label(),
      label200);
  EXPECT_EQ(form_error(one_field(R"("id": "a", "kind": "text", "label": ")" + label200 + "x\"")),
            "pre_chat_form[0].label: 1..200 bytes of UTF-8");
  // A consent's label is the whole consent text, so it may run longer.
  const std::string text1000(1000, 'x');
  EXPECT_EQ(
      form(one_field(R"("id": "a", "kind": "consent", "label": ")" + text1000 + "\""))[0].label(),
      text1000);
  EXPECT_EQ(form_error(one_field(R"("id": "a", "kind": "consent", "label": ")" + text1000 + "x\"")),
            "pre_chat_form[0].label: 1..1000 bytes of UTF-8");
}

TEST(ChatFormParse, kind_is_required_and_one_of_five) {
  for (std::string_view bad : {R"()", R"(, "kind": "Text")", R"(, "kind": "number")",
                               R"(, "kind": 1)", R"(, "kind": "")"}) {
    EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A")" + std::string(bad))),
              "pre_chat_form[0].kind: text, email, select, checkbox or consent")
        << bad;
  }
}

TEST(ChatFormParse, required_is_a_bool_and_always_true_for_consent) {
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "text", "required": 1)")),
            "pre_chat_form[0].required: true or false");
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "text", "required": null)")),
            "pre_chat_form[0].required: true or false");
  EXPECT_EQ(
      form_error(one_field(R"("id": "a", "label": "A", "kind": "consent", "required": false)")),
      "pre_chat_form[0].required: a consent field is always required");
  EXPECT_TRUE(form(one_field(R"("id": "a", "label": "A", "kind": "consent", "required": true)"))[0]
                  .required());
  EXPECT_FALSE(form(one_field(R"("id": "a", "label": "A", "kind": "email", "required": false)"))[0]
                   .required());
}

TEST(ChatFormParse, options_only_and_always_for_select) {
  const std::string reason = "pre_chat_form[0].options: 1..20 strings of 1..100 bytes";
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "select")")), reason);
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "select", "options": [])")),
            reason);
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "select", "options": "x")")),
            reason);
  EXPECT_EQ(
      form_error(one_field(R"("id": "a", "label": "A", "kind": "select", "options": ["x", ""])")),
      reason);
  EXPECT_EQ(
      form_error(one_field(R"("id": "a", "label": "A", "kind": "select", "options": ["x", 2])")),
      reason);
  const std::string option100(100, 'o');
  EXPECT_EQ(form(one_field(R"("id": "a", "label": "A", "kind": "select", "options": [")" +
                           option100 + "\"]"))[0]
                .options(0),
            option100);
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "select", "options": [")" +
                                 option100 + "o\"]")),
            reason);
  std::string twenty = "[";
  for (int i = 0; i < 20; ++i) twenty += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  EXPECT_EQ(
      form(one_field(R"("id": "a", "label": "A", "kind": "select", "options": )" + twenty + "]"))[0]
          .options_size(),
      20);
  EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": "select", "options": )" +
                                 twenty + ",\"20\"]")),
            reason);
  EXPECT_EQ(form_error(one_field(
                R"("id": "a", "label": "A", "kind": "select", "options": ["x", "y", "x"])")),
            "pre_chat_form[0].options: 'x' is given twice");
  for (std::string_view kind : {"text", "email", "checkbox", "consent"}) {
    EXPECT_EQ(form_error(one_field(R"("id": "a", "label": "A", "kind": ")" + std::string(kind) +
                                   R"(", "options": ["x"])")),
              "pre_chat_form[0].options: only a select field has options")
        << kind;
  }
}

TEST(ChatFormParse, at_most_ten_fields) {
  auto fields_json = [](int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) {
      if (i) s += ",";
      s += R"({"id": "f)" + std::to_string(i) + R"(", "label": "F", "kind": "text"})";
    }
    return s + "]";
  };
  EXPECT_EQ(form(fields_json(10)).size(), 10U);
  EXPECT_EQ(form_error(fields_json(11)), "pre_chat_form: at most 10 fields");
}

// --------------------------------------------------------------------------- surveys

TEST(ChatFormSurvey, defaults_are_five_stars_and_a_comment) {
  const auto d = default_survey();
  EXPECT_EQ(d.scale(), 5U);
  EXPECT_TRUE(d.comment());
  EXPECT_EQ(d.questions_size(), 0);
  std::string error;
  const auto s = parse_survey(json("{}"), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->SerializeAsString(), d.SerializeAsString());
  const auto from_text = survey_from_text("");
  ASSERT_TRUE(from_text);
  EXPECT_EQ(from_text->SerializeAsString(), d.SerializeAsString());
}

TEST(ChatFormSurvey, reads_scale_comment_and_questions) {
  std::string error;
  const auto s = parse_survey(json(R"({"scale": 2, "comment": false, "questions": [
      {"id": "why", "label": "Why?", "kind": "text"},
      {"id": "channel", "label": "Found us via", "kind": "select", "options": ["Web", "Friend"]},
      {"id": "again", "label": "Would chat again", "kind": "checkbox", "required": true}]})"),
                              &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->scale(), 2U);
  EXPECT_FALSE(s->comment());
  ASSERT_EQ(s->questions_size(), 3);
  EXPECT_EQ(s->questions(1).kind(), pb::FIELD_KIND_SELECT);
  EXPECT_TRUE(s->questions(2).required());
  for (int scale : {3, 5, 10}) {
    const auto t = parse_survey(json(R"({"scale": )" + std::to_string(scale) + "}"), &error);
    ASSERT_TRUE(t) << scale << ": " << error;
    EXPECT_EQ(t->scale(), static_cast<std::uint32_t>(scale));
  }
}

TEST(ChatFormSurvey, refuses_bad_members) {
  EXPECT_EQ(survey_error("[]"), "survey must be an object");
  EXPECT_EQ(survey_error(R"({"stars": 5})"), "unknown field 'stars' in survey");
  for (std::string_view bad : {"0", "1", "4", "7", "11", "5.0", "\"5\"", "-5", "null"}) {
    EXPECT_EQ(survey_error(R"({"scale": )" + std::string(bad) + "}"), "survey.scale: 2, 3, 5 or 10")
        << bad;
  }
  EXPECT_EQ(survey_error(R"({"comment": "yes"})"), "survey.comment: true or false");
  EXPECT_EQ(survey_error(R"({"questions": {}})"), "survey.questions must be an array");
  EXPECT_EQ(survey_error(R"({"questions": [{"id": "a", "label": "A", "kind": "text", "x": 1}]})"),
            "unknown field 'x' in survey.questions[0]");
}

TEST(ChatFormSurvey, questions_are_at_most_three_of_text_select_or_checkbox) {
  for (std::string_view kind : {"email", "consent"}) {
    EXPECT_EQ(survey_error(R"({"questions": [{"id": "a", "label": "A", "kind": ")" +
                           std::string(kind) + "\"}]}"),
              "survey.questions[0].kind: text, select or checkbox")
        << kind;
  }
  const std::string q = R"({"id": "q)";
  const std::string rest = R"(", "label": "Q", "kind": "checkbox"})";
  EXPECT_EQ(survey_error(R"({"questions": [)" + q + "1" + rest + "," + q + "2" + rest + "," + q +
                         "3" + rest + "," + q + "4" + rest + "]}"),
            "survey.questions: at most 3 fields");
  EXPECT_EQ(survey_error(R"({"questions": [)" + q + "1" + rest + "," + q + "1" + rest + "]}"),
            "survey.questions[1].id: 'q1' is used twice");
}

// --------------------------------------------------------------------------- round trips

TEST(ChatFormJson, form_round_trips_exactly) {
  const auto fields = form(sales_form);
  const std::string text = form_json(fields);
  const auto options = text.find(R"("options":["Free","Pro"])");
  EXPECT_NE(options, std::string::npos) << text;
  EXPECT_EQ(text.find("\"options\""), options) << "options are for the select only: " << text;
  EXPECT_EQ(text.rfind("\"options\""), options) << "options are for the select only: " << text;
  const auto back = form_from_text(text);
  ASSERT_TRUE(back) << text;
  EXPECT_TRUE(same(*back, fields)) << text;
  EXPECT_EQ(form_json(*back), text);
  // Every member is written, so a default read back stays what it was.
  EXPECT_NE(text.find(R"("id":"news","label":"Send me news","kind":"checkbox","required":false})"),
            std::string::npos)
      << text;
}

TEST(ChatFormJson, survey_round_trips_exactly) {
  std::string error;
  const auto s = parse_survey(json(R"({"scale": 10, "comment": false, "questions": [
      {"id": "pick", "label": "Pick \"one\"\n", "kind": "select", "options": ["a", "b"]}]})"),
                              &error);
  ASSERT_TRUE(s) << error;
  const std::string text = survey_json(*s);
  EXPECT_EQ(text,
            R"({"scale":10,"comment":false,"questions":[{"id":"pick","label":"Pick \"one\"\n",)"
            R"("kind":"select","required":false,"options":["a","b"]}]})");
  const auto back = survey_from_text(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->SerializeAsString(), s->SerializeAsString());
  EXPECT_EQ(survey_json(default_survey()), R"({"scale":5,"comment":true,"questions":[]})");
}

TEST(ChatFormJson, writers_embed_in_a_larger_document) {
  json_writer j;
  j.begin_object().key("pre_chat_form");
  write_form_json(j, form(one_field(R"("id": "a", "label": "A", "kind": "text")")));
  j.key("survey");
  write_survey_json(j, default_survey());
  j.end_object();
  EXPECT_EQ(j.str(), R"({"pre_chat_form":[{"id":"a","label":"A","kind":"text","required":false}],)"
                     R"("survey":{"scale":5,"comment":true,"questions":[]}})");
}

TEST(ChatFormJson, stored_text_empty_is_empty_and_garbage_is_nothing) {
  const auto empty = form_from_text("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(form_from_text("[{"));
  EXPECT_FALSE(form_from_text(R"([{"id": "A"}])"));
  EXPECT_FALSE(survey_from_text("{"));
  EXPECT_FALSE(survey_from_text(R"({"scale": 4})"));
}

// --------------------------------------------------------------------------- answers

TEST(ChatFormAnswers, returns_answers_in_form_order_with_labels) {
  const auto fields = form(sales_form);
  std::string error;
  const auto checked = check_answers(fields,
                                     answers({{"terms", "true"},
                                              {"news", "false"},
                                              {"plan", "Pro"},
                                              {"work_email", "ada@example.com"},
                                              {"company", "Acme\nLtd"}}),
                                     &error);
  ASSERT_TRUE(checked) << error;
  ASSERT_EQ(checked->size(), 5U);
  const std::vector<std::vector<std::string>> expected{
      {"company", "Company", "Acme\nLtd"},
      {"work_email", "Work email", "ada@example.com"},
      {"plan", "Plan", "Pro"},
      {"news", "Send me news", "false"},
      {"terms", "I agree to the terms.", "true"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*checked)[i].field_id(), expected[i][0]);
    EXPECT_EQ((*checked)[i].label(), expected[i][1]);
    EXPECT_EQ((*checked)[i].value(), expected[i][2]);
  }
}

TEST(ChatFormAnswers, leaves_out_empty_answers_to_optional_fields) {
  std::string error;
  auto given = minimal_answers();
  *given.Add() = answer("plan", "");
  *given.Add() = answer("work_email", "");
  const auto checked = check_answers(form(sales_form), given, &error);
  ASSERT_TRUE(checked) << error;
  ASSERT_EQ(checked->size(), 2U);
  EXPECT_EQ((*checked)[0].field_id(), "company");
  EXPECT_EQ((*checked)[1].field_id(), "terms");
  // A client's own label is never kept: the field's is.
  auto labelled = minimal_answers();
  labelled.Mutable(0)->set_label("Forged");
  const auto relabelled = check_answers(form(sales_form), labelled, &error);
  ASSERT_TRUE(relabelled) << error;
  EXPECT_EQ((*relabelled)[0].label(), "Company");
}

TEST(ChatFormAnswers, required_fields_must_be_answered) {
  const auto fields = form(sales_form);
  EXPECT_EQ(answer_error(fields, answers({{"terms", "true"}})), "'company' is required");
  EXPECT_EQ(answer_error(fields, answers({{"company", ""}, {"terms", "true"}})),
            "'company' is required");
  EXPECT_EQ(answer_error(fields, answers({{"company", "Acme"}})), "'terms' must be accepted");
  EXPECT_EQ(answer_error(fields, answers({{"company", "Acme"}, {"terms", ""}})),
            "'terms' must be accepted");
}

TEST(ChatFormAnswers, unknown_and_repeated_fields_are_refused) {
  EXPECT_EQ(answer_error("phone", "123"), "'phone' is not a field of the form");
  EXPECT_EQ(answer_error(form(sales_form),
                         answers({{"company", "Acme"}, {"terms", "true"}, {"company", "Other"}})),
            "'company' is answered twice");
  // An id that could be no field is not echoed back.
  EXPECT_EQ(answer_error("it's <b>me</b>", "x"), "an answer names no field of the form");
  // A department without a form takes no answers at all.
  EXPECT_EQ(answer_error(form_fields{}, answers({{"company", "Acme"}})),
            "'company' is not a field of the form");
  std::string error;
  const auto none = check_answers(form_fields{}, answers({}), &error);
  ASSERT_TRUE(none) << error;
  EXPECT_TRUE(none->empty());
}

TEST(ChatFormAnswers, text_is_utf8_within_500_bytes) {
  EXPECT_EQ(answer_error("company", std::string(501, 'x')), "'company' is longer than 500 bytes");
  EXPECT_EQ(answer_error("company", "Acme \xC3"), "'company' is not valid UTF-8");
  std::string error;
  auto given = minimal_answers();
  given.Mutable(0)->set_value(std::string(500, 'x'));
  EXPECT_TRUE(check_answers(form(sales_form), given, &error)) << error;
  // The bound holds for every kind, not just text.
  EXPECT_EQ(answer_error("work_email", "a@" + std::string(499, 'b')),
            "'work_email' is longer than 500 bytes");
}

TEST(ChatFormAnswers, emails_look_like_the_pre_chat_email) {
  for (std::string_view bad : {"ab", "@b", "a@", "a@b@c", "a b@c", "a@b\n"}) {
    EXPECT_EQ(answer_error("work_email", bad), "'work_email' is not an email address") << bad;
    EXPECT_FALSE(looks_like_email(bad)) << bad;
  }
  EXPECT_TRUE(looks_like_email("a@b"));
  std::string error;
  auto given = minimal_answers();
  *given.Add() = answer("work_email", "a@b");
  EXPECT_TRUE(check_answers(form(sales_form), given, &error)) << error;
}

TEST(ChatFormAnswers, a_select_takes_exactly_one_of_its_options) {
  for (std::string_view bad : {"pro", "Pro ", "Free,Pro", "Enterprise"}) {
    EXPECT_EQ(answer_error("plan", bad), "'plan' must be one of its options") << bad;
  }
  std::string error;
  auto given = minimal_answers();
  *given.Add() = answer("plan", "Free");
  EXPECT_TRUE(check_answers(form(sales_form), given, &error)) << error;
}

TEST(ChatFormAnswers, checkboxes_are_true_or_false_and_consent_true) {
  for (std::string_view bad : {"yes", "1", "True", "on"}) {
    EXPECT_EQ(answer_error("news", bad), "'news' must be true or false") << bad;
    EXPECT_EQ(answer_error("terms", bad), "'terms' must be accepted") << bad;
  }
  EXPECT_EQ(answer_error("terms", "false"), "'terms' must be accepted");
  std::string error;
  for (std::string_view ok : {"true", "false"}) {
    auto given = minimal_answers();
    *given.Add() = answer("news", ok);
    EXPECT_TRUE(check_answers(form(sales_form), given, &error)) << ok << ": " << error;
  }
  const auto must_tick =
      form(one_field(R"("id": "adult", "label": "I am 18", "kind": "checkbox", "required": true)"));
  EXPECT_EQ(answer_error(must_tick, answers({{"adult", "false"}})), "'adult' must be checked");
  EXPECT_EQ(answer_error(must_tick, answers({})), "'adult' is required");
  EXPECT_TRUE(check_answers(must_tick, answers({{"adult", "true"}}), &error)) << error;
}

// --------------------------------------------------------------------------- storage

std::vector<pb::FormAnswer> stored_answers() {
  std::vector<pb::FormAnswer> out;
  for (const auto& [id, label, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"company", "Company", "Acme"}, {"note", "", ""}, {"terms", "Agree: 1:2", "true"}}) {
    auto& a = out.emplace_back();
    a.set_field_id(id);
    a.set_label(label);
    a.set_value(value);
  }
  return out;
}

TEST(ChatFormStorage, answers_round_trip_through_netstrings) {
  const auto stored = stored_answers();
  const std::string text = encode_answers(stored);
  EXPECT_EQ(text, "7:company7:Company4:Acme4:note0:0:5:terms10:Agree: 1:24:true");
  const auto back = decode_answers(text);
  ASSERT_EQ(back.size(), stored.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].field_id(), stored[i].field_id());
    EXPECT_EQ(back[i].label(), stored[i].label());
    EXPECT_EQ(back[i].value(), stored[i].value());
  }
  EXPECT_TRUE(encode_answers({}).empty());
  EXPECT_TRUE(decode_answers("").empty());
}

TEST(ChatFormStorage, decoding_garbage_gives_nothing) {
  const std::string text = encode_answers(stored_answers());
  // Every cut inside a netstring leaves the list malformed: nothing, never a partial answer.
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    const auto items = split_netstrings(text.substr(0, cut));
    const auto decoded = decode_answers(text.substr(0, cut));
    if (!items) {
      EXPECT_TRUE(decoded.empty()) << cut;
    } else {
      EXPECT_EQ(decoded.size(), items->size() / 3) << cut;
    }
  }
  for (std::string_view bad : {"x", ":", "5:abc", "-1:a", "99999999999:a", "3:abc,", "a:b:c"}) {
    EXPECT_TRUE(decode_answers(bad).empty()) << bad;
  }
}

TEST(ChatFormStorage, a_trailing_incomplete_triple_is_dropped) {
  std::string text = encode_answers(stored_answers());
  append_netstring(text, "extra");
  append_netstring(text, "Extra");
  const auto back = decode_answers(text);
  ASSERT_EQ(back.size(), 3U);
  EXPECT_EQ(back[2].field_id(), "terms");
  EXPECT_EQ(back[2].value(), "true");
}

TEST(ChatFormStorage, answers_as_json) {
  json_writer j;
  write_answers_json(j, stored_answers());
  EXPECT_EQ(j.str(), R"([{"field_id":"company","label":"Company","value":"Acme"},)"
                     R"({"field_id":"note","label":"","value":""},)"
                     R"({"field_id":"terms","label":"Agree: 1:2","value":"true"}])");
  json_writer empty;
  write_answers_json(empty, {});
  EXPECT_EQ(empty.str(), "[]");
}

}  // namespace
}  // namespace lc::core
