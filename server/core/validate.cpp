#include "server/core/validate.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "server/core/chat_form.hpp"
#include "server/core/file_type.hpp"
#include "server/core/ids.hpp"
#include "server/core/invitation_rule.hpp"
#include "server/core/mail.hpp"
#include "server/core/request_roles.hpp"
#include "server/core/time_zone.hpp"
#include "server/core/utf8.hpp"

namespace lc::core {

namespace {

namespace pb = livechat::v1;
using body = pb::ClientEnvelope::BodyCase;
using check = std::optional<error>;

constexpr std::size_t max_token_bytes = 4096;
constexpr int max_resume_points = 64;
constexpr std::size_t max_client_version_bytes = 128;
constexpr int max_hello_departments = 16;

error invalid(std::string text) {
  return error{pb::ERROR_CODE_INVALID_ARGUMENT, std::move(text)};
}

std::string longer_than(const char* field, std::size_t max) {
  return std::string(field) + " longer than " + std::to_string(max) + " bytes";
}

// Optional client-chosen id: empty passes, anything else must be a client id.
check optional_id(const char* field, std::string_view value, const limits& lim) {
  if (value.empty()) return std::nullopt;
  if (value.size() > lim.max_id_bytes) return invalid(longer_than(field, lim.max_id_bytes));
  if (!is_client_id(value, lim.max_id_bytes)) {
    return invalid(std::string(field) + " has characters outside [A-Za-z0-9_.:-]");
  }
  return std::nullopt;
}

check required_id(const char* field, std::string_view value, const limits& lim) {
  if (value.empty()) return invalid(std::string(field) + " is required");
  return optional_id(field, value, lim);
}

// A conversation the client names: only ids this server issued can be one.
check conversation_ref(const char* field, std::string_view value) {
  if (value.empty()) return invalid(std::string(field) + " is required");
  if (!is_issued_id('c', value)) return invalid(std::string(field) + " is not a conversation id");
  return std::nullopt;
}

// An agent or department the client names: empty passes unless required.
check operator_ref(const char* field, std::string_view value, bool required) {
  if (value.empty()) {
    if (required) return invalid(std::string(field) + " is required");
    return std::nullopt;
  }
  if (!is_operator_id(value)) {
    return invalid(std::string(field) + " must be 1.." + std::to_string(max_operator_id_bytes) +
                   " bytes of [a-z0-9._-]");
  }
  return std::nullopt;
}

// Tab and line breaks are ordinary in chat text; other C0 controls and DEL only serve to
// confuse terminals and log viewers.
bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\r' && c != '\t') || u == 0x7F) return true;
  }
  return false;
}

// Length and UTF-8 only (URLs, metadata, tokens).
check utf8_field(const char* field, std::string_view value, std::size_t max) {
  if (value.size() > max) return invalid(longer_than(field, max));
  if (!is_valid_utf8(value)) return invalid(std::string(field) + " is not valid UTF-8");
  return std::nullopt;
}

// Human-written text: length, UTF-8 and no control characters.
check text_field(const char* field, std::string_view value, std::size_t max, bool required) {
  if (required && value.empty()) return invalid(std::string(field) + " is required");
  if (auto e = utf8_field(field, value, max)) return e;
  if (has_control(value)) return invalid(std::string(field) + " contains control characters");
  return std::nullopt;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the direction marks
// (U+200E, U+200F): in a name they make "alice" render as someone else's name in the console.
bool has_bidi_control(std::string_view s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] != '\xE2') continue;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    const auto b2 = static_cast<unsigned char>(s[i + 2]);
    if (b1 == 0x80 && ((b2 >= 0xAA && b2 <= 0xAE) || b2 == 0x8E || b2 == 0x8F)) return true;
    if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return true;
  }
  return false;
}

// A name is one line: no tab or line break (they forge lines in logs and exports) and no
// direction controls.
check name_field(const char* field, std::string_view value, const limits& lim) {
  if (is_blank(value)) return invalid(std::string(field) + " is required");
  if (auto e = text_field(field, value, lim.max_name_bytes, true)) return e;
  if (value.find_first_of("\t\r\n") != std::string_view::npos) {
    return invalid(std::string(field) + " contains a line break or tab");
  }
  if (has_bidi_control(value)) {
    return invalid(std::string(field) + " contains text direction controls");
  }
  return std::nullopt;
}

// The agent console shows the page as a link: only web addresses, never javascript: or data:.
// An http(s) address of a page ("" allowed).
check url_field(const char* field, std::string_view value, const limits& lim) {
  if (auto e = utf8_field(field, value, lim.max_url_bytes)) return e;
  if (value.empty()) return std::nullopt;
  if (has_control(value) || value.find_first_of(" \t\r\n") != std::string_view::npos) {
    return invalid(std::string(field) + " contains blanks or control characters");
  }
  auto lower = std::string(value.substr(0, 8));
  for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
    return invalid(std::string(field) + " must be an http or https address");
  }
  return std::nullopt;
}

check page_url_field(std::string_view value, const limits& lim) {
  return url_field("page_url", value, lim);
}

// The address is only shown to agents, never mailed to: looks_like_email is enough.
check email_field(const char* field, std::string_view value, const limits& lim, bool required) {
  if (value.empty()) {
    if (required) return invalid(std::string(field) + " is required");
    return std::nullopt;
  }
  if (auto e = utf8_field(field, value, lim.max_email_bytes)) return e;
  if (!looks_like_email(value)) return invalid(std::string(field) + " is not an email address");
  return std::nullopt;
}

check validate_hello(const pb::Hello& m, const limits& lim) {
  if (auto e = utf8_field("agent_token", m.agent_token(), max_token_bytes)) return e;
  if (auto e = utf8_field("visitor_token", m.visitor_token(), max_token_bytes)) return e;
  if (!m.agent_token().empty() && !m.visitor_token().empty()) {
    return invalid("hello carries both agent_token and visitor_token");
  }
  if (auto e = utf8_field("client_version", m.client_version(), max_client_version_bytes)) {
    return e;
  }
  if (m.resume_size() > max_resume_points) {
    return invalid("resume has more than " + std::to_string(max_resume_points) + " entries");
  }
  for (const auto& r : m.resume()) {
    if (auto e = conversation_ref("resume.conversation_id", r.conversation_id())) return e;
  }
  if (m.departments_size() > max_hello_departments) {
    return invalid("departments has more than " + std::to_string(max_hello_departments) +
                   " entries");
  }
  for (const auto& d : m.departments()) {
    if (auto e = operator_ref("departments", d, true)) return e;
  }
  return std::nullopt;
}

// The shape of a form's answers; what they must say is the department's form's to check.
check answers_field(const google::protobuf::RepeatedPtrField<pb::FormAnswer>& answers) {
  if (answers.size() > static_cast<int>(max_form_fields)) {
    return invalid("answers has more than " + std::to_string(max_form_fields) + " entries");
  }
  for (const auto& a : answers) {
    if (a.field_id().empty() || a.field_id().size() > max_field_id_bytes) {
      return invalid("answers: a field_id is 1.." + std::to_string(max_field_id_bytes) + " bytes");
    }
    if (auto e = text_field("answers.value", a.value(), max_answer_bytes, false)) return e;
  }
  return std::nullopt;
}

check validate_join(const pb::Join& m, const limits& lim) {
  if (auto e = name_field("display_name", m.display_name(), lim)) return e;
  if (auto e = email_field("email", m.email(), lim, false)) return e;
  if (auto e = operator_ref("department", m.department(), true)) return e;
  if (auto e = text_field("first_message", m.first_message(), lim.max_text_bytes, false)) return e;
  // The first message is persisted like a send, so it needs the same idempotency key.
  if (!m.first_message().empty()) {
    if (auto e = required_id("client_msg_id", m.client_msg_id(), lim)) return e;
  } else if (auto e = optional_id("client_msg_id", m.client_msg_id(), lim)) {
    return e;
  }
  if (auto e = page_url_field(m.page_url(), lim)) return e;
  if (auto e = answers_field(m.answers())) return e;
  if (!m.invitation_id().empty() && !is_issued_id('i', m.invitation_id())) {
    return invalid("invitation_id is not an invitation id");
  }
  if (m.metadata_size() > static_cast<int>(lim.max_metadata_entries)) {
    return invalid("metadata has more than " + std::to_string(lim.max_metadata_entries) +
                   " entries");
  }
  for (const auto& [k, v] : m.metadata()) {
    if (k.empty()) return invalid("metadata key is empty");
    if (auto e = utf8_field("metadata key", k, lim.max_metadata_key_bytes)) return e;
    if (auto e = utf8_field("metadata value", v, lim.max_metadata_value_bytes)) return e;
  }
  return std::nullopt;
}

check validate_send(const pb::SendMessage& m, const limits& lim) {
  if (auto e = conversation_ref("conversation_id", m.conversation_id())) return e;
  if (auto e = required_id("client_msg_id", m.client_msg_id(), lim)) return e;
  const bool file = !m.attachment_id().empty();
  if (file && !is_issued_id('f', m.attachment_id())) {
    return invalid("attachment_id is not a file id");
  }
  if (file && m.note()) return invalid("a note cannot carry a file");
  if (!m.preview().empty() && !file) return invalid("preview without attachment_id");
  if (!m.preview().empty() && !acceptable_preview(m.preview())) {
    return invalid("preview must be a PNG, JPEG or WebP of at most 8 KiB and 200 px a side");
  }
  // With a file the text is its caption, which may be empty.
  return text_field("text", m.text(), lim.max_text_bytes, !file);
}

check validate_tags(const pb::SetTags& m) {
  if (auto e = conversation_ref("conversation_id", m.conversation_id())) return e;
  if (m.tags_size() > static_cast<int>(max_conversation_tags)) {
    return invalid("more than " + std::to_string(max_conversation_tags) + " tags");
  }
  for (int i = 0; i < m.tags_size(); ++i) {
    if (!is_tag(m.tags(i))) return invalid("a tag is 1..32 of [a-z0-9_-]");
    for (int j = 0; j < i; ++j) {
      if (m.tags(j) == m.tags(i)) return invalid("tag '" + m.tags(i) + "' given twice");
    }
  }
  return std::nullopt;
}

check validate_receipt(const pb::Receipt& m) {
  if (auto e = conversation_ref("conversation_id", m.conversation_id())) return e;
  if (m.seq() == 0) return invalid("seq must be positive");
  if (m.kind() != pb::RECEIPT_KIND_DELIVERED && m.kind() != pb::RECEIPT_KIND_READ) {
    return invalid("kind must be DELIVERED or READ");
  }
  return std::nullopt;
}

check validate_presence(const pb::SetPresence& m, const limits& lim) {
  switch (m.status()) {
    case pb::PRESENCE_STATUS_ONLINE:
    case pb::PRESENCE_STATUS_AWAY:
    case pb::PRESENCE_STATUS_OFFLINE:
      break;
    default:
      return invalid("status must be ONLINE, AWAY or OFFLINE");
  }
  if (m.capacity() > lim.max_capacity) {
    return invalid("capacity above " + std::to_string(lim.max_capacity));
  }
  return std::nullopt;
}

check validate_transfer(const pb::Transfer& m, const limits& lim) {
  if (auto e = conversation_ref("conversation_id", m.conversation_id())) return e;
  if (m.to_agent_id().empty() == m.to_department().empty()) {
    return invalid("exactly one of to_agent_id and to_department is required");
  }
  if (auto e = operator_ref("to_agent_id", m.to_agent_id(), false)) return e;
  if (auto e = operator_ref("to_department", m.to_department(), false)) return e;
  return text_field("note", m.note(), lim.max_comment_bytes, false);
}

check validate_rate(const pb::Rate& m, const limits& lim) {
  if (auto e = conversation_ref("conversation_id", m.conversation_id())) return e;
  // The department's survey narrows the scale (core/chat_form); none is wider than 10.
  if (m.rating() < 1 || m.rating() > 10) return invalid("rating must be 1..10");
  if (auto e = answers_field(m.answers())) return e;
  return text_field("comment", m.comment(), lim.max_comment_bytes, false);
}

check validate_invite(const pb::Invite& m, const limits& lim) {
  if (!is_issued_id('v', m.visitor_id())) return invalid("visitor_id is not a visitor id");
  if (auto e = operator_ref("department", m.department(), false)) return e;
  return text_field("text", m.text(), max_invitation_text_bytes, false);
}

check validate_decline(const pb::DeclineInvitation& m) {
  if (!is_issued_id('i', m.invitation_id())) {
    return invalid("invitation_id is not an invitation id");
  }
  return std::nullopt;
}

check validate_offline(const pb::LeaveOfflineMessage& m, const limits& lim) {
  if (auto e = name_field("display_name", m.display_name(), lim)) return e;
  if (auto e = email_field("email", m.email(), lim, true)) return e;
  if (auto e = operator_ref("department", m.department(), true)) return e;
  return text_field("text", m.text(), lim.max_text_bytes, true);
}

// The address is mailed to: the strict check (core::mailable_address), not the pre-chat one.
check validate_email_transcript(const pb::EmailTranscript& m, const limits& lim) {
  if (auto e = conversation_ref("conversation_id", m.conversation_id())) return e;
  if (m.email().empty()) return invalid("email is required");
  if (m.email().size() > lim.max_email_bytes || !mailable_address(m.email())) {
    return invalid("email is not an address this server can mail to");
  }
  return std::nullopt;
}

// What the widget reports of the page it is on (a visitor's own words about their browser:
// shown to staff, never trusted for anything).
check validate_page_view(const pb::PageView& m, const limits& lim) {
  if (m.url().empty()) return invalid("url is required");
  if (auto e = url_field("url", m.url(), lim)) return e;
  if (auto e = url_field("referrer", m.referrer(), lim)) return e;
  if (auto e = text_field("title", m.title(), lim.max_page_title_bytes, false)) return e;
  if (auto e = text_field("user_agent", m.user_agent(), lim.max_user_agent_bytes, false)) return e;
  const auto tag_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  };
  if (m.language().size() > 35 ||
      !std::all_of(m.language().begin(), m.language().end(), tag_char)) {
    return invalid("language must be a language tag such as en-GB");
  }
  if (!m.time_zone().empty() && !is_time_zone_name(m.time_zone())) {
    return invalid("time_zone must be a zone name such as Europe/Berlin");
  }
  // The widest offsets in use are -12:00 and +14:00; anything past 18 hours is not a clock.
  constexpr std::int32_t max_offset = 18 * 60;
  if (m.utc_offset_minutes() < -max_offset || m.utc_offset_minutes() > max_offset) {
    return invalid("utc_offset_minutes must be within -1080..1080");
  }
  return std::nullopt;
}

check validate_list(const pb::ListOfflineMessages& m, const limits& lim) {
  if (m.limit() > lim.max_list_limit) {
    return invalid("limit above " + std::to_string(lim.max_list_limit));
  }
  return operator_ref("department", m.department(), false);
}

}  // namespace

bool looks_like_email(std::string_view s) {
  const auto at = s.find('@');
  const bool shaped = at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
                      s.find('@', at + 1) == std::string_view::npos;
  return shaped && std::none_of(s.begin(), s.end(), [](char c) {
           return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
         });
}

std::string trim_blanks(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<error> validate_request(const pb::ClientEnvelope& envelope, pb::Role role,
                                      const limits& lim) {
  const body b = envelope.body_case();
  if (b == body::BODY_NOT_SET) {
    return error{pb::ERROR_CODE_UNKNOWN_TYPE, "envelope has no request"};
  }
  if (auto e = check_role(b, role)) return e;
  switch (b) {
    case body::kHello:
      return validate_hello(envelope.hello(), lim);
    case body::kJoin:
      return validate_join(envelope.join(), lim);
    case body::kSend:
      if (envelope.send().note() && role == pb::ROLE_VISITOR) {
        return error{pb::ERROR_CODE_FORBIDDEN, "visitors may not write internal notes"};
      }
      return validate_send(envelope.send(), lim);
    case body::kSetTags:
      return validate_tags(envelope.set_tags());
    case body::kWatch:
      return conversation_ref("conversation_id", envelope.watch().conversation_id());
    case body::kBargeIn:
      return conversation_ref("conversation_id", envelope.barge_in().conversation_id());
    case body::kReceipt:
      return validate_receipt(envelope.receipt());
    case body::kTyping:
      if (auto e = conversation_ref("conversation_id", envelope.typing().conversation_id())) {
        return e;
      }
      return text_field("draft", envelope.typing().draft(), lim.max_draft_bytes, false);
    case body::kPresence:
      return validate_presence(envelope.presence(), lim);
    case body::kTransfer:
      return validate_transfer(envelope.transfer(), lim);
    case body::kClose:
      return conversation_ref("conversation_id", envelope.close().conversation_id());
    case body::kRate:
      return validate_rate(envelope.rate(), lim);
    case body::kOfflineMessage:
      return validate_offline(envelope.offline_message(), lim);
    case body::kListOfflineMessages:
      return validate_list(envelope.list_offline_messages(), lim);
    case body::kEmailTranscript:
      return validate_email_transcript(envelope.email_transcript(), lim);
    case body::kPageView:
      return validate_page_view(envelope.page_view(), lim);
    case body::kInvite:
      return validate_invite(envelope.invite(), lim);
    case body::kDeclineInvitation:
      return validate_decline(envelope.decline_invitation());
    case body::kFollowBoard:  // a bool: nothing to check
    case body::kPing:
    case body::BODY_NOT_SET:
      break;
  }
  return std::nullopt;
}

}  // namespace lc::core
