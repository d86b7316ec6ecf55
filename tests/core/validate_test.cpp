#include "server/core/validate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lc::core {
namespace {

namespace pb = livechat::v1;
using namespace std::string_literals;

// The shape of a conversation id the server issued (see ids.hpp).
const char* const conv_id = "c0123456789abcdef01234567";

const limits lim;

pb::ClientEnvelope hello() {
  pb::ClientEnvelope e;
  e.mutable_hello()->set_visitor_token("lcv1.abc.def");
  return e;
}

pb::ClientEnvelope ping() {
  pb::ClientEnvelope e;
  e.mutable_ping();
  return e;
}

pb::ClientEnvelope join() {
  pb::ClientEnvelope e;
  auto* j = e.mutable_join();
  j->set_display_name("Grace");
  j->set_email("grace@example.com");
  j->set_department("sales");
  j->set_first_message("Hello, I need help.\nThanks!");
  j->set_client_msg_id("m-1");
  j->set_page_url("https://example.com/pricing?plan=pro");
  (*j->mutable_metadata())["plan"] = "pro";
  return e;
}

pb::ClientEnvelope send() {
  pb::ClientEnvelope e;
  auto* s = e.mutable_send();
  s->set_conversation_id(conv_id);
  s->set_client_msg_id("m-2");
  s->set_text("hi");
  return e;
}

pb::ClientEnvelope receipt() {
  pb::ClientEnvelope e;
  auto* r = e.mutable_receipt();
  r->set_conversation_id(conv_id);
  r->set_seq(3);
  r->set_kind(pb::RECEIPT_KIND_READ);
  return e;
}

pb::ClientEnvelope typing() {
  pb::ClientEnvelope e;
  e.mutable_typing()->set_conversation_id(conv_id);
  e.mutable_typing()->set_typing(true);
  return e;
}

pb::ClientEnvelope presence() {
  pb::ClientEnvelope e;
  e.mutable_presence()->set_status(pb::PRESENCE_STATUS_ONLINE);
  e.mutable_presence()->set_capacity(3);
  return e;
}

pb::ClientEnvelope transfer() {
  pb::ClientEnvelope e;
  e.mutable_transfer()->set_conversation_id(conv_id);
  e.mutable_transfer()->set_to_agent_id("agent-2");
  e.mutable_transfer()->set_note("VIP customer");
  return e;
}

pb::ClientEnvelope close() {
  pb::ClientEnvelope e;
  e.mutable_close()->set_conversation_id(conv_id);
  return e;
}

pb::ClientEnvelope rate() {
  pb::ClientEnvelope e;
  e.mutable_rate()->set_conversation_id(conv_id);
  e.mutable_rate()->set_rating(5);
  e.mutable_rate()->set_comment("Great, thank you");
  return e;
}

pb::ClientEnvelope offline() {
  pb::ClientEnvelope e;
  auto* o = e.mutable_offline_message();
  o->set_display_name("Grace");
  o->set_email("grace@example.com");
  o->set_department("sales");
  o->set_text("Please call me back.");
  return e;
}

pb::ClientEnvelope list() {
  pb::ClientEnvelope e;
  e.mutable_list_offline_messages()->set_limit(50);
  return e;
}

pb::ErrorCode code(const pb::ClientEnvelope& e, pb::Role role, const limits& l = lim) {
  const auto err = validate_request(e, role, l);
  return err ? err->code : pb::ERROR_CODE_UNSPECIFIED;
}

// Expects INVALID_ARGUMENT with a text that names `field` (and `detail`, when given).
void expect_invalid(const pb::ClientEnvelope& e, pb::Role role, const std::string& field,
                    const std::string& detail = "", const limits& l = lim) {
  const auto err = validate_request(e, role, l);
  ASSERT_TRUE(err.has_value()) << "accepted: " << e.ShortDebugString();
  EXPECT_EQ(err->code, pb::ERROR_CODE_INVALID_ARGUMENT) << err->text;
  EXPECT_NE(err->text.find(field), std::string::npos) << err->text;
  if (!detail.empty()) {
    EXPECT_NE(err->text.find(detail), std::string::npos) << err->text;
  }
}

void expect_ok(const pb::ClientEnvelope& e, pb::Role role, const limits& l = lim) {
  const auto err = validate_request(e, role, l);
  EXPECT_FALSE(err.has_value()) << (err ? err->text : "") << " for " << e.ShortDebugString();
}

constexpr auto visitor = pb::ROLE_VISITOR;
constexpr auto agent = pb::ROLE_AGENT;

// --------------------------------------------------------------------------- roles

TEST(validate_roles, empty_envelope_is_unknown_type_for_every_role) {
  for (auto role : {pb::ROLE_UNSPECIFIED, visitor, agent, pb::ROLE_ADMIN}) {
    EXPECT_EQ(code(pb::ClientEnvelope{}, role), pb::ERROR_CODE_UNKNOWN_TYPE);
  }
}

TEST(validate_roles, before_hello_only_hello_and_ping) {
  expect_ok(hello(), pb::ROLE_UNSPECIFIED);
  expect_ok(ping(), pb::ROLE_UNSPECIFIED);
  for (const auto& e : {join(), send(), receipt(), typing(), presence(), transfer(), close(),
                        rate(), offline(), list()}) {
    EXPECT_EQ(code(e, pb::ROLE_UNSPECIFIED), pb::ERROR_CODE_UNAUTHENTICATED)
        << e.ShortDebugString();
  }
}

TEST(validate_roles, second_hello_is_a_conflict) {
  for (auto role : {visitor, agent, pb::ROLE_ADMIN}) {
    EXPECT_EQ(code(hello(), role), pb::ERROR_CODE_CONFLICT);
  }
}

TEST(validate_roles, visitor_requests) {
  for (const auto& e : {join(), send(), receipt(), typing(), close(), rate(), offline(), ping()}) {
    expect_ok(e, visitor);
  }
  for (const auto& e : {presence(), transfer(), list()}) {
    EXPECT_EQ(code(e, visitor), pb::ERROR_CODE_FORBIDDEN) << e.ShortDebugString();
  }
}

TEST(validate_roles, agent_and_admin_requests) {
  for (auto role : {agent, pb::ROLE_ADMIN}) {
    for (const auto& e :
         {send(), receipt(), typing(), presence(), transfer(), close(), list(), ping()}) {
      expect_ok(e, role);
    }
    for (const auto& e : {join(), rate(), offline()}) {
      EXPECT_EQ(code(e, role), pb::ERROR_CODE_FORBIDDEN) << e.ShortDebugString();
    }
  }
}

TEST(validate_roles, system_role_may_not_send_requests) {
  EXPECT_EQ(code(send(), pb::ROLE_SYSTEM), pb::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(code(join(), pb::ROLE_SYSTEM), pb::ERROR_CODE_FORBIDDEN);
}

TEST(validate_roles, forbidden_text_names_the_request) {
  const auto err = validate_request(transfer(), visitor, lim);
  ASSERT_TRUE(err);
  EXPECT_NE(err->text.find("transfer"), std::string::npos) << err->text;
  const auto err2 = validate_request(list(), visitor, lim);
  ASSERT_TRUE(err2);
  EXPECT_NE(err2->text.find("list_offline_messages"), std::string::npos) << err2->text;
}

TEST(validate_roles, role_is_checked_before_fields) {
  auto e = presence();
  e.mutable_presence()->set_capacity(10'000);
  EXPECT_EQ(code(e, visitor), pb::ERROR_CODE_FORBIDDEN);
  auto s = send();
  s.mutable_send()->clear_text();
  EXPECT_EQ(code(s, pb::ROLE_UNSPECIFIED), pb::ERROR_CODE_UNAUTHENTICATED);
}

// --------------------------------------------------------------------------- send

TEST(validate_send, requires_ids_and_text) {
  auto e = send();
  e.mutable_send()->clear_conversation_id();
  expect_invalid(e, visitor, "conversation_id");
  e = send();
  e.mutable_send()->clear_client_msg_id();
  expect_invalid(e, agent, "client_msg_id");
  e = send();
  e.mutable_send()->clear_text();
  expect_invalid(e, visitor, "text");
}

TEST(validate_send, ids_must_be_valid) {
  auto e = send();
  e.mutable_send()->set_conversation_id("c 1");
  expect_invalid(e, visitor, "conversation_id");
  e = send();
  e.mutable_send()->set_client_msg_id(std::string(65, 'm'));
  expect_invalid(e, visitor, "client_msg_id");
  e.mutable_send()->set_client_msg_id(std::string(64, 'm'));
  expect_ok(e, visitor);
}

TEST(validate_send, a_file_makes_the_text_a_caption) {
  auto e = send();
  e.mutable_send()->clear_text();
  e.mutable_send()->set_attachment_id("f" + std::string(24, 'a'));
  expect_ok(e, visitor);
  e.mutable_send()->set_attachment_id("c" + std::string(24, 'a'));
  expect_invalid(e, visitor, "attachment_id");
  e.mutable_send()->set_attachment_id("f" + std::string(24, 'a'));
  e.mutable_send()->set_note(true);
  expect_invalid(e, agent, "note");
}

TEST(validate_send, previews_are_small_images_with_a_file) {
  // A 10x10 PNG header: enough for the preview check.
  std::string png =
      std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) + std::string("\0\0\0\x0a\0\0\0\x0a", 8);
  auto e = send();
  e.mutable_send()->set_preview(png);
  expect_invalid(e, visitor, "preview");
  e.mutable_send()->set_attachment_id("f" + std::string(24, 'b'));
  expect_ok(e, visitor);
  e.mutable_send()->set_preview("<svg onload=alert(1)>");
  expect_invalid(e, visitor, "preview");
}

TEST(validate_send, text_length_boundary) {
  auto e = send();
  e.mutable_send()->set_text(std::string(8192, 'x'));
  expect_ok(e, visitor);
  e.mutable_send()->set_text(std::string(8193, 'x'));
  expect_invalid(e, visitor, "text longer than 8192 bytes");
}

TEST(validate_send, text_limit_follows_the_limits) {
  limits small;
  small.max_text_bytes = 5;
  auto e = send();
  e.mutable_send()->set_text("12345");
  expect_ok(e, visitor, small);
  e.mutable_send()->set_text("123456");
  expect_invalid(e, visitor, "text longer than 5 bytes", "", small);
}

TEST(validate_send, text_must_be_utf8) {
  auto e = send();
  e.mutable_send()->set_text("caf\xc3");
  expect_invalid(e, visitor, "text is not valid UTF-8");
  e.mutable_send()->set_text("\xed\xa0\x80");
  expect_invalid(e, visitor, "text is not valid UTF-8");
  e.mutable_send()->set_text("café 😀");
  expect_ok(e, visitor);
}

TEST(validate_send, control_characters_other_than_line_breaks_and_tab) {
  auto e = send();
  e.mutable_send()->set_text("line one\r\nline\ttwo\n");
  expect_ok(e, visitor);
  for (std::string bad : {"a\x01"s, "a\0b"s, "\x1b[31mred"s, "a\x7f"s}) {
    e.mutable_send()->set_text(bad);
    expect_invalid(e, visitor, "text", "control");
  }
}

// --------------------------------------------------------------------------- receipt, typing

TEST(validate_receipt, needs_positive_seq_and_kind) {
  auto e = receipt();
  e.mutable_receipt()->set_seq(0);
  expect_invalid(e, visitor, "seq");
  e = receipt();
  e.mutable_receipt()->set_kind(pb::RECEIPT_KIND_UNSPECIFIED);
  expect_invalid(e, visitor, "kind");
  e.mutable_receipt()->set_kind(static_cast<pb::ReceiptKind>(9));  // unknown wire value
  expect_invalid(e, visitor, "kind");
  e = receipt();
  e.mutable_receipt()->set_kind(pb::RECEIPT_KIND_DELIVERED);
  expect_ok(e, agent);
  e.mutable_receipt()->clear_conversation_id();
  expect_invalid(e, agent, "conversation_id");
}

TEST(validate_typing, needs_conversation_id) {
  auto e = typing();
  e.mutable_typing()->clear_conversation_id();
  expect_invalid(e, visitor, "conversation_id");
  e.mutable_typing()->set_conversation_id("bad/id");
  expect_invalid(e, agent, "conversation_id");
}

TEST(validate_typing, a_draft_is_bounded_text) {
  auto e = typing();
  e.mutable_typing()->set_draft(std::string(lim.max_draft_bytes, 'a'));
  expect_ok(e, visitor);
  e.mutable_typing()->set_draft("two\nlines");
  expect_ok(e, visitor);
  e.mutable_typing()->set_draft(std::string(lim.max_draft_bytes + 1, 'a'));
  expect_invalid(e, visitor, "draft");
  e.mutable_typing()->set_draft("\xff\xfe");
  expect_invalid(e, visitor, "draft");
  e.mutable_typing()->set_draft(std::string("bell\x07", 5));
  expect_invalid(e, visitor, "draft");
}

// --------------------------------------------------------------------------- presence

TEST(validate_presence, status_must_be_set) {
  auto e = presence();
  e.mutable_presence()->set_status(pb::PRESENCE_STATUS_UNSPECIFIED);
  expect_invalid(e, agent, "status");
  e.mutable_presence()->set_status(static_cast<pb::PresenceStatus>(42));
  expect_invalid(e, agent, "status");
  for (auto s :
       {pb::PRESENCE_STATUS_ONLINE, pb::PRESENCE_STATUS_AWAY, pb::PRESENCE_STATUS_OFFLINE}) {
    e.mutable_presence()->set_status(s);
    expect_ok(e, agent);
  }
}

TEST(validate_presence, capacity_boundary) {
  auto e = presence();
  e.mutable_presence()->set_capacity(0);
  expect_ok(e, agent);
  e.mutable_presence()->set_capacity(50);
  expect_ok(e, agent);
  e.mutable_presence()->set_capacity(51);
  expect_invalid(e, agent, "capacity");
}

// --------------------------------------------------------------------------- transfer, close

TEST(validate_transfer, exactly_one_target) {
  auto e = transfer();
  e.mutable_transfer()->set_to_department("billing");
  expect_invalid(e, agent, "to_agent_id");
  e.mutable_transfer()->clear_to_agent_id();
  expect_ok(e, agent);
  e.mutable_transfer()->clear_to_department();
  expect_invalid(e, agent, "to_department");
}

TEST(validate_transfer, targets_and_note_are_checked) {
  auto e = transfer();
  e.mutable_transfer()->set_to_agent_id("agent 2");
  expect_invalid(e, agent, "to_agent_id");
  e = transfer();
  e.mutable_transfer()->clear_to_agent_id();
  e.mutable_transfer()->set_to_department("bill?ing");
  expect_invalid(e, agent, "to_department");
  e = transfer();
  e.mutable_transfer()->set_note(std::string(2000, 'n'));
  expect_ok(e, agent);
  e.mutable_transfer()->set_note(std::string(2001, 'n'));
  expect_invalid(e, agent, "note");
  e.mutable_transfer()->set_note("\xff");
  expect_invalid(e, agent, "note", "UTF-8");
  e = transfer();
  e.mutable_transfer()->clear_conversation_id();
  expect_invalid(e, agent, "conversation_id");
}

TEST(validate_close, needs_conversation_id) {
  auto e = close();
  e.mutable_close()->clear_conversation_id();
  expect_invalid(e, visitor, "conversation_id");
  e.mutable_close()->set_conversation_id(std::string(65, 'c'));
  expect_invalid(e, agent, "conversation_id");
}

// --------------------------------------------------------------------------- rate

TEST(validate_rate, rating_range) {
  auto e = rate();
  // The widest survey scale; the department's own is checked by the service.
  for (unsigned r : {1u, 5u, 10u}) {
    e.mutable_rate()->set_rating(r);
    expect_ok(e, visitor);
  }
  for (unsigned r : {0u, 11u, 4'000'000'000u}) {
    e.mutable_rate()->set_rating(r);
    expect_invalid(e, visitor, "rating");
  }
}

TEST(validate_rate, answers_are_bounded) {
  auto e = rate();
  auto* a = e.mutable_rate()->add_answers();
  a->set_field_id("solved");
  a->set_value("true");
  expect_ok(e, visitor);
  a->set_field_id("");
  expect_invalid(e, visitor, "field_id");
  a->set_field_id("solved");
  a->set_value(std::string(501, 'x'));
  expect_invalid(e, visitor, "answers");
  a->set_value("\xff");
  expect_invalid(e, visitor, "answers");
  a->set_value("ok");
  for (int i = 0; i < 10; ++i) e.mutable_rate()->add_answers()->set_field_id("q");
  expect_invalid(e, visitor, "more than");
}

TEST(validate_invitations, ids_are_checked_by_format) {
  pb::ClientEnvelope e;
  e.set_request_id(1);
  e.mutable_invite()->set_visitor_id("v" + std::string(24, 'a'));
  expect_ok(e, agent);
  EXPECT_EQ(code(e, visitor), pb::ERROR_CODE_FORBIDDEN);
  e.mutable_invite()->set_visitor_id("lc:site:v:x");
  expect_invalid(e, agent, "visitor_id");
  e.mutable_invite()->set_visitor_id("v" + std::string(24, 'a'));
  e.mutable_invite()->set_text(std::string(501, 'x'));
  expect_invalid(e, agent, "text");

  pb::ClientEnvelope d;
  d.set_request_id(2);
  d.mutable_decline_invitation()->set_invitation_id("i" + std::string(24, '0'));
  expect_ok(d, visitor);
  EXPECT_EQ(code(d, agent), pb::ERROR_CODE_FORBIDDEN);
  d.mutable_decline_invitation()->set_invitation_id("i1");
  expect_invalid(d, visitor, "invitation_id");

  auto j = join();
  j.mutable_join()->set_invitation_id("c" + std::string(24, '0'));
  expect_invalid(j, visitor, "invitation_id");
  j.mutable_join()->set_invitation_id("i" + std::string(24, '0'));
  expect_ok(j, visitor);
}

TEST(validate_rate, comment_is_optional_but_bounded) {
  auto e = rate();
  e.mutable_rate()->clear_comment();
  expect_ok(e, visitor);
  e.mutable_rate()->set_comment(std::string(2000, 'c'));
  expect_ok(e, visitor);
  e.mutable_rate()->set_comment(std::string(2001, 'c'));
  expect_invalid(e, visitor, "comment");
  e.mutable_rate()->set_comment("bad \xc0\xaf");
  expect_invalid(e, visitor, "comment", "UTF-8");
  e = rate();
  e.mutable_rate()->clear_conversation_id();
  expect_invalid(e, visitor, "conversation_id");
}

// --------------------------------------------------------------------------- email transcript

TEST(validate_email_transcript, visitors_only_with_a_mailable_address) {
  pb::ClientEnvelope e;
  e.mutable_email_transcript()->set_conversation_id(conv_id);
  e.mutable_email_transcript()->set_email("ada@example.com");
  expect_ok(e, visitor);
  const auto err = validate_request(e, agent, lim);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, pb::ERROR_CODE_FORBIDDEN);
  for (const char* bad :
       {"", "ada", "ada@example.com\r\nBcc: x@evil.test", "a b@example.com", "<ada@example.com>"}) {
    e.mutable_email_transcript()->set_email(bad);
    expect_invalid(e, visitor, "email");
  }
  e.mutable_email_transcript()->set_email(std::string(250, 'a') + "@x.io");
  expect_invalid(e, visitor, "email");
  e.mutable_email_transcript()->set_email("ada@example.com");
  e.mutable_email_transcript()->set_conversation_id("../lc:conv:x");
  expect_invalid(e, visitor, "conversation_id");
}

// --------------------------------------------------------------------------- join

TEST(validate_join, minimal_join_is_fine) {
  pb::ClientEnvelope e;
  e.mutable_join()->set_display_name("Al");
  e.mutable_join()->set_department("sales");
  expect_ok(e, visitor);
}

TEST(validate_join, display_name_rules) {
  auto e = join();
  e.mutable_join()->clear_display_name();
  expect_invalid(e, visitor, "display_name");
  e.mutable_join()->set_display_name(" \t ");
  expect_invalid(e, visitor, "display_name");
  e.mutable_join()->set_display_name(std::string(80, 'n'));
  expect_ok(e, visitor);
  e.mutable_join()->set_display_name(std::string(81, 'n'));
  expect_invalid(e, visitor, "display_name");
  e.mutable_join()->set_display_name("Bob\x07");
  expect_invalid(e, visitor, "display_name", "control");
  e.mutable_join()->set_display_name("B\xc3");
  expect_invalid(e, visitor, "display_name", "UTF-8");
  e.mutable_join()->set_display_name("Zoë");
  expect_ok(e, visitor);
}

TEST(validate_join, email_is_optional_but_must_look_like_one) {
  auto e = join();
  e.mutable_join()->clear_email();
  expect_ok(e, visitor);
  e.mutable_join()->set_email("a@b");
  expect_ok(e, visitor);
  for (std::string bad : {"ab", "@b", "a@", "a@b@c", "a b@c", "a@b\n"}) {
    e.mutable_join()->set_email(bad);
    expect_invalid(e, visitor, "email");
  }
  e.mutable_join()->set_email(std::string(250, 'a') + "@b.c");  // 254 bytes
  expect_ok(e, visitor);
  e.mutable_join()->set_email(std::string(251, 'a') + "@b.c");
  expect_invalid(e, visitor, "email");
}

TEST(validate_join, department_is_required_and_an_id) {
  auto e = join();
  e.mutable_join()->clear_department();
  expect_invalid(e, visitor, "department");
  e.mutable_join()->set_department("sales team");
  expect_invalid(e, visitor, "department");
}

TEST(validate_join, first_message_needs_a_client_msg_id) {
  auto e = join();
  e.mutable_join()->clear_client_msg_id();
  expect_invalid(e, visitor, "client_msg_id");
  e.mutable_join()->clear_first_message();
  expect_ok(e, visitor);
  e.mutable_join()->set_client_msg_id("bad id");
  expect_invalid(e, visitor, "client_msg_id");
}

TEST(validate_join, first_message_limits) {
  auto e = join();
  e.mutable_join()->set_first_message(std::string(8192, 'x'));
  expect_ok(e, visitor);
  e.mutable_join()->set_first_message(std::string(8193, 'x'));
  expect_invalid(e, visitor, "first_message");
  e.mutable_join()->set_first_message("\x80");
  expect_invalid(e, visitor, "first_message", "UTF-8");
  e.mutable_join()->set_first_message("a\x02");
  expect_invalid(e, visitor, "first_message", "control");
}

TEST(validate_join, page_url_limits) {
  auto e = join();
  e.mutable_join()->set_page_url("https://x/" + std::string(2038, 'p'));  // 2048 bytes
  expect_ok(e, visitor);
  e.mutable_join()->set_page_url("https://x/" + std::string(2039, 'p'));
  expect_invalid(e, visitor, "page_url");
  e.mutable_join()->set_page_url("https://x/\xfe");
  expect_invalid(e, visitor, "page_url");
}

TEST(validate_join, metadata_limits) {
  auto e = join();
  auto& md = *e.mutable_join()->mutable_metadata();
  md.clear();
  for (int i = 0; i < 32; ++i) md["k" + std::to_string(i)] = "v";
  expect_ok(e, visitor);
  md["one-too-many"] = "v";
  expect_invalid(e, visitor, "metadata");

  md.clear();
  md[std::string(64, 'k')] = std::string(512, 'v');
  expect_ok(e, visitor);
  md.clear();
  md[std::string(65, 'k')] = "v";
  expect_invalid(e, visitor, "metadata key");
  md.clear();
  md["k"] = std::string(513, 'v');
  expect_invalid(e, visitor, "metadata value");
  md.clear();
  md["k"] = "\xc3\x28";
  expect_invalid(e, visitor, "metadata value", "UTF-8");
  md.clear();
  md[""] = "v";
  expect_invalid(e, visitor, "metadata key");
}

// --------------------------------------------------------------------------- offline message

TEST(validate_offline, every_field_is_required) {
  auto e = offline();
  e.mutable_offline_message()->clear_display_name();
  expect_invalid(e, visitor, "display_name");
  e = offline();
  e.mutable_offline_message()->clear_email();
  expect_invalid(e, visitor, "email");
  e = offline();
  e.mutable_offline_message()->set_email("not-an-email");
  expect_invalid(e, visitor, "email");
  e = offline();
  e.mutable_offline_message()->clear_department();
  expect_invalid(e, visitor, "department");
  e = offline();
  e.mutable_offline_message()->clear_text();
  expect_invalid(e, visitor, "text");
  e = offline();
  e.mutable_offline_message()->set_text(std::string(8193, 't'));
  expect_invalid(e, visitor, "text longer than 8192 bytes");
}

// --------------------------------------------------------------------------- list

TEST(validate_list, limit_and_department) {
  auto e = list();
  e.mutable_list_offline_messages()->set_limit(0);
  expect_ok(e, agent);
  e.mutable_list_offline_messages()->set_limit(200);
  expect_ok(e, agent);
  e.mutable_list_offline_messages()->set_limit(201);
  expect_invalid(e, agent, "limit");
  e = list();
  e.mutable_list_offline_messages()->set_department("billing");
  expect_ok(e, agent);
  e.mutable_list_offline_messages()->set_department("bill ing");
  expect_invalid(e, agent, "department");
}

// --------------------------------------------------------------------------- hello

TEST(validate_hello, first_visit_hello_may_be_empty) {
  pb::ClientEnvelope e;
  e.mutable_hello();
  expect_ok(e, pb::ROLE_UNSPECIFIED);
}

TEST(validate_hello, token_length_boundary) {
  pb::ClientEnvelope e;
  e.mutable_hello()->set_agent_token(std::string(4096, 't'));
  expect_ok(e, pb::ROLE_UNSPECIFIED);
  e.mutable_hello()->set_agent_token(std::string(4097, 't'));
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "agent_token");
  e.mutable_hello()->clear_agent_token();
  e.mutable_hello()->set_visitor_token(std::string(4097, 't'));
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "visitor_token");
}

TEST(validate_hello, not_both_tokens) {
  auto e = hello();
  e.mutable_hello()->set_agent_token("lca1.a.b");
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "agent_token");
}

TEST(validate_hello, resume_points) {
  auto e = hello();
  for (int i = 0; i < 64; ++i) {
    auto* r = e.mutable_hello()->add_resume();
    r->set_conversation_id(conv_id);
    r->set_last_seq(i);
  }
  expect_ok(e, pb::ROLE_UNSPECIFIED);
  e.mutable_hello()->add_resume()->set_conversation_id(conv_id);
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "resume");

  e = hello();
  e.mutable_hello()->add_resume()->set_conversation_id("c/1");
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "conversation_id");
  e = hello();
  e.mutable_hello()->add_resume();
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "conversation_id");
}

TEST(validate_hello, client_version_bounded) {
  auto e = hello();
  e.mutable_hello()->set_client_version("web/1.2.3");
  expect_ok(e, pb::ROLE_UNSPECIFIED);
  e.mutable_hello()->set_client_version(std::string(129, 'v'));
  expect_invalid(e, pb::ROLE_UNSPECIFIED, "client_version");
}

// --------------------------------------------------------------------------- issue 9 attacks

// "<conv>:meta" named the visitor's own metadata hash, and let a visitor forge a rating.
TEST(validate_ids, a_conversation_id_is_only_what_the_server_issues) {
  auto e = rate();
  for (std::string bad : {std::string(conv_id) + ":meta", std::string(conv_id) + ":s", "c1"s,
                          "C0123456789ABCDEF01234567"s, "v0123456789abcdef01234567"s}) {
    e.mutable_rate()->set_conversation_id(bad);
    expect_invalid(e, visitor, "conversation_id");
  }
  auto h = hello();
  h.mutable_hello()->add_resume()->set_conversation_id(std::string(conv_id) + ":meta");
  expect_invalid(h, pb::ROLE_UNSPECIFIED, "resume.conversation_id");
}

// An agent id like "zed:convs" collided with agent zed's conversation set.
TEST(validate_ids, agents_and_departments_follow_the_operator_grammar) {
  auto e = transfer();
  e.mutable_transfer()->set_to_agent_id("zed:convs");
  expect_invalid(e, agent, "to_agent_id");
  e.mutable_transfer()->set_to_agent_id("Zed");
  expect_invalid(e, agent, "to_agent_id");
  auto j = join();
  j.mutable_join()->set_department("{sales}");
  expect_invalid(j, visitor, "department");
  j.mutable_join()->set_department("a:b");
  expect_invalid(j, visitor, "department");
}

TEST(validate_hello, departments_follow_the_operator_grammar_and_are_bounded) {
  auto h = hello();
  h.mutable_hello()->add_departments("sales");
  EXPECT_FALSE(validate_request(h, pb::ROLE_UNSPECIFIED, limits{}));
  h.mutable_hello()->add_departments("Sales");
  expect_invalid(h, pb::ROLE_UNSPECIFIED, "departments");
  auto many = hello();
  for (int i = 0; i < 17; ++i) many.mutable_hello()->add_departments("d" + std::to_string(i));
  expect_invalid(many, pb::ROLE_UNSPECIFIED, "departments");
}

TEST(validate_join, page_url_is_an_http_or_https_address) {
  auto e = join();
  for (std::string ok : {"https://shop.example/cart"s, "HTTP://x.example/"s, ""s}) {
    e.mutable_join()->set_page_url(ok);
    EXPECT_FALSE(validate_request(e, visitor, limits{})) << ok;
  }
  for (std::string bad : {"javascript:alert(1)"s, "JavaScript:alert(1)"s, "data:text/html,x"s,
                          "https://a.example/ x"s, "//evil.example"s, "vbscript:x"s}) {
    e.mutable_join()->set_page_url(bad);
    expect_invalid(e, visitor, "page_url");
  }
}

TEST(validate_page_view, what_the_widget_reports_of_its_page) {
  pb::ClientEnvelope e;
  auto* p = e.mutable_page_view();
  p->set_url("https://shop.example/cart?x=1#top");
  p->set_title("Your cart · Shop");
  p->set_referrer("https://search.example/?q=shoes");
  p->set_language("pt-BR");
  p->set_time_zone("America/Sao_Paulo");
  p->set_utc_offset_minutes(-180);
  p->set_user_agent("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0");
  expect_ok(e, visitor);
  EXPECT_EQ(validate_request(e, agent, lim)->code, pb::ERROR_CODE_FORBIDDEN) << "visitors only";
  auto bad = [&](auto change, const std::string& field) {
    auto copy = e;
    change(*copy.mutable_page_view());
    expect_invalid(copy, visitor, field);
  };
  bad([](pb::PageView& v) { v.clear_url(); }, "url");
  bad([](pb::PageView& v) { v.set_url("javascript:alert(1)"); }, "url");
  bad([](pb::PageView& v) { v.set_referrer("file:///etc/passwd"); }, "referrer");
  bad([](pb::PageView& v) { v.set_title(std::string(301, 't')); }, "title");
  bad([](pb::PageView& v) { v.set_title("a\x01b"); }, "title");
  bad([](pb::PageView& v) { v.set_language("en GB"); }, "language");
  bad([](pb::PageView& v) { v.set_time_zone("../../etc/passwd"); }, "time_zone");
  bad([](pb::PageView& v) { v.set_utc_offset_minutes(1081); }, "utc_offset_minutes");
  bad([](pb::PageView& v) { v.set_user_agent(std::string(513, 'u')); }, "user_agent");
}

TEST(validate_join, names_are_one_line_without_direction_controls) {
  auto e = join();
  for (std::string bad : {"Ann\r\nAgent: hi"s, "Ann\tB"s, "\xE2\x80\xAEnna"s,
                          "a\xE2\x81\xA6"
                          "b"s,
                          "a\xE2\x80\x8F"s}) {
    e.mutable_join()->set_display_name(bad);
    expect_invalid(e, visitor, "display_name");
  }
  e.mutable_join()->set_display_name("Zoë 李 عربي");
  EXPECT_FALSE(validate_request(e, visitor, limits{}));
}

}  // namespace
}  // namespace lc::core
