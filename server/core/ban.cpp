#include "server/core/ban.hpp"

#include <arpa/inet.h>

#include <array>

#include "server/core/digest.hpp"
#include "server/core/ids.hpp"

namespace lc::core {

namespace {

constexpr std::size_t max_email_bytes = 254;

// The address in the text inet_ntop gives (the form the server reports client addresses in).
std::optional<std::string> canonical_address(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string in(text);
  std::array<unsigned char, 16> bytes{};
  std::array<char, INET6_ADDRSTRLEN> out{};
  const int family = in.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(family, in.c_str(), bytes.data()) != 1) return std::nullopt;
  if (inet_ntop(family, bytes.data(), out.data(), out.size()) == nullptr) return std::nullopt;
  return std::string(out.data());
}

std::optional<std::string> canonical_email(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty() || text.size() > max_email_bytes) return std::nullopt;
  const auto at = text.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == text.size()) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return std::nullopt;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

}  // namespace

std::string_view ban_kind_name(ban_kind k) {
  switch (k) {
    case ban_kind::visitor:
      return "visitor";
    case ban_kind::address:
      return "address";
    case ban_kind::email:
      return "email";
  }
  return "visitor";
}

std::optional<ban_kind> parse_ban_kind(std::string_view name) {
  if (name == "visitor") return ban_kind::visitor;
  if (name == "address") return ban_kind::address;
  if (name == "email") return ban_kind::email;
  return std::nullopt;
}

std::optional<ban_subject> make_ban_subject(ban_kind kind, std::string_view value) {
  switch (kind) {
    case ban_kind::visitor:
      if (!is_issued_id('v', value)) return std::nullopt;
      return ban_subject{kind, std::string(value), "v:" + std::string(value)};
    case ban_kind::address: {
      auto a = canonical_address(value);
      if (!a) return std::nullopt;
      auto key = "a:" + hex(*a);
      return ban_subject{kind, std::move(*a), std::move(key)};
    }
    case ban_kind::email: {
      auto e = canonical_email(value);
      if (!e) return std::nullopt;
      auto key = "e:" + sha256_hex(*e);
      return ban_subject{kind, std::move(*e), std::move(key)};
    }
  }
  return std::nullopt;
}

}  // namespace lc::core
