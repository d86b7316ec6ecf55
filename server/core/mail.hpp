#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lc::core {

// Whether this server mails to `address`: ASCII local@domain, at most 254 bytes, a local part of
// RFC 5322 atext and single dots, a domain of letters, digits and hyphens in dot-separated
// labels. Stricter than the pre-chat form's check (that address is only shown to agents): this
// one goes into SMTP commands and headers, so nothing that could end or add a line gets through.
bool mailable_address(std::string_view address);

// A header's text: as it is when it is printable ASCII, else one RFC 2047 encoded word per
// chunk (UTF-8, base64); CR, LF and other control characters become spaces either way, so a
// name from a visitor or an operator cannot add a header.
std::string header_text(std::string_view text);

// An RFC 5322 date for `unix_ms`, in UTC: "Wed, 02 Dec 2026 16:58:34 +0000".
std::string mail_date(std::int64_t unix_ms);

// What one mail says; the addresses must be mailable_address().
struct mail_message {
  std::string from, from_name;  // From: "<from_name>" <from>
  std::string to;
  std::string reply_to;  // "" for none
  std::string subject;
  std::string body;        // UTF-8 text, '\n' line ends
  std::string message_id;  // "<...@...>"
  std::int64_t date_ms = 0;
  bool automatic = false;  // sent by the server itself (a transcript): Auto-Submitted, no replies
};

// The whole message as SMTP's DATA carries it: headers, a blank line, a text/plain UTF-8 body
// in base64 (lines of 76), CRLF line ends throughout.
std::string compose_mail(const mail_message& m);

}  // namespace lc::core
