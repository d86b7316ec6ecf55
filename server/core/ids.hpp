#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lc::core {

// The three grammars of identifiers; none of them can hold ':' (the key separator) or '{' '}'
// (hash tags), so no string that passes one of them can name a Redis key other than the one its
// caller builds from it.
//
// Issued ids: made by the server alone, a kind letter and 24 lower-case hex digits:
// c(onversation), v(isitor), o(ffline message), f(ile).
inline constexpr std::size_t issued_id_hex_digits = 24;

// Operator ids (agents, departments): chosen by whoever runs the server, 1..32 bytes of
// [a-z0-9._-], starting with a letter or digit. Lower case only, so "Alice" cannot pose as
// "alice".
inline constexpr std::size_t max_operator_id_bytes = 32;

// Any bytes as lower-case hex, two digits each.
std::string hex(std::string_view bytes);
// The bytes `hex` made of them; nothing for text that is not pairs of lower-case hex digits.
std::optional<std::string> unhex(std::string_view digits);

// `bytes` random bytes from OpenSSL as lower-case hex: unguessable ids for conversations,
// visitors and offline messages.
std::string random_id(std::size_t bytes = 12);

// A fresh issued id of `kind` ('c', 'v', 'o' or 'f').
std::string issued_id(char kind);

// True when `id` is exactly an issued id of `kind`.
bool is_issued_id(char kind, std::string_view id);

// True when `id` follows the operator-id grammar.
bool is_operator_id(std::string_view id);

// Tags on conversations: chosen by supervisors, 1..32 bytes of [a-z0-9_-], so a tag reads
// the same in every console, a history filter and a CSV cell.
inline constexpr std::size_t max_tag_bytes = 32;
inline constexpr std::size_t max_conversation_tags = 20;
bool is_tag(std::string_view tag);

// Client-chosen ids (client message ids, used only as values and hash fields, never as key
// parts): 1..max_bytes of [A-Za-z0-9_.:-].
bool is_client_id(std::string_view id, std::size_t max_bytes);

}  // namespace lc::core
