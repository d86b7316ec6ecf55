#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lc::core {

// What a ban names: a visitor (their issued id), the address they connect from, or the email
// they give when they start a chat.
enum class ban_kind { visitor, address, email };

inline constexpr std::int64_t min_ban_seconds = 60;
inline constexpr std::int64_t max_ban_seconds = 10LL * 365 * 24 * 3600;
inline constexpr std::size_t max_ban_reason_bytes = 500;

std::string_view ban_kind_name(ban_kind k);  // "visitor", "address", "email"
std::optional<ban_kind> parse_ban_kind(std::string_view name);

// One identifier a ban names, in canonical form: the value as lists show it and the key part
// Redis files it under. The key part never holds what a client chose verbatim: a visitor id is
// checked by its grammar, an address is the hex of its canonical text, an email its SHA-256.
struct ban_subject {
  ban_kind kind = ban_kind::visitor;
  std::string value;     // "v…", "203.0.113.7" / "2001:db8::1", "name@example.com"
  std::string key_part;  // "v:<visitor id>", "a:<hex>", "e:<sha-256 hex>"
};

// The subject for `value` of `kind`, or nothing when the value is not one (a malformed visitor
// id, text that is no IPv4 or IPv6 address, an email without '@' or with blanks). Emails are
// compared without case and surrounding blanks; addresses in their canonical text.
std::optional<ban_subject> make_ban_subject(ban_kind kind, std::string_view value);

}  // namespace lc::core
