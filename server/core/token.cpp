#include "server/core/token.hpp"

#include <openssl/crypto.h>

#include <array>
#include <charconv>

#include "server/core/digest.hpp"
#include "server/core/ids.hpp"

namespace lc::core {

namespace {

constexpr std::string_view agent_kind = "lca1";
constexpr std::string_view visitor_kind = "lcv1";
constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Claims are escaped so a field holding a separator ('\n' between fields, ',' between
// departments) round-trips instead of smuggling in another claim.
std::string escape_field(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\n') {
      out += "%0A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> unescape_field(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    const std::string_view code = s.substr(i + 1, 2);
    if (code == "25") {
      out.push_back('%');
    } else if (code == "0A") {
      out.push_back('\n');
    } else if (code == "2C") {
      out.push_back(',');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto pos = s.find(sep);
    parts.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s = s.substr(pos + 1);
  }
  return parts;
}

template <typename T>
std::optional<T> parse_integer(std::string_view s) {
  T v{};
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc{} || res.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string sign(std::string_view kind, std::string_view payload, std::string_view secret) {
  std::string signed_part(kind);
  signed_part.push_back('.');
  signed_part += base64url_encode(payload);
  const std::string mac = hmac_sha256(secret, signed_part);
  return signed_part + "." + base64url_encode(mac);
}

// The decoded payload when `token` is "<kind>.<payload>.<mac>" with a valid MAC.
std::optional<std::string> open_token(std::string_view token, std::string_view kind,
                                      std::string_view secret) {
  const auto parts = split(token, '.');
  if (parts.size() != 3 || parts[0] != kind) return std::nullopt;
  const auto mac = base64url_decode(parts[2]);
  if (!mac) return std::nullopt;
  const std::string_view signed_part = token.substr(0, parts[0].size() + 1 + parts[1].size());
  const std::string expected = hmac_sha256(secret, signed_part);
  // Constant time, so the MAC cannot be guessed byte by byte from response timings.
  if (expected.empty() || mac->size() != expected.size() ||
      CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  return base64url_decode(parts[1]);
}

std::string role_digit(staff_role role) {
  switch (role) {
    case staff_role::admin:
      return "1";
    case staff_role::supervisor:
      return "2";
    case staff_role::agent:
      break;
  }
  return "0";
}

std::optional<staff_role> role_from_digit(std::string_view d) {
  if (d == "0") return staff_role::agent;
  if (d == "1") return staff_role::admin;
  if (d == "2") return staff_role::supervisor;
  return std::nullopt;
}

}  // namespace

std::string_view role_name(staff_role role) {
  switch (role) {
    case staff_role::admin:
      return "admin";
    case staff_role::supervisor:
      return "supervisor";
    case staff_role::agent:
      break;
  }
  return "agent";
}

std::optional<staff_role> parse_role(std::string_view name) {
  if (name == "agent") return staff_role::agent;
  if (name == "supervisor") return staff_role::supervisor;
  if (name == "admin") return staff_role::admin;
  return std::nullopt;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16 |
                            static_cast<std::uint8_t>(bytes[i + 1]) << 8 |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    out.push_back(base64url_alphabet[(v >> 18) & 63]);
    out.push_back(base64url_alphabet[(v >> 12) & 63]);
    out.push_back(base64url_alphabet[(v >> 6) & 63]);
    out.push_back(base64url_alphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
    out.push_back(base64url_alphabet[(v >> 18) & 63]);
    out.push_back(base64url_alphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const std::uint32_t v =
        static_cast<std::uint8_t>(bytes[i]) << 16 | static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    out.push_back(base64url_alphabet[(v >> 18) & 63]);
    out.push_back(base64url_alphabet[(v >> 12) & 63]);
    out.push_back(base64url_alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // One leftover character cannot hold a whole byte.
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, so every byte string has exactly one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string sign_agent_token(const agent_claims& claims, std::string_view secret) {
  std::string departments;
  for (std::size_t i = 0; i < claims.departments.size(); ++i) {
    if (i > 0) departments.push_back(',');
    departments += escape_field(claims.departments[i]);
  }
  // Payload: agent_id \n display_name \n departments(comma-joined) \n capacity \n role \n exp
  // \n issued_at_ms. The role field was a 0/1 admin flag before supervisors: 0 agent, 1 admin,
  // 2 supervisor, so tokens minted before still read the same.
  std::string payload = escape_field(claims.agent_id) + "\n" + escape_field(claims.display_name) +
                        "\n" + departments + "\n" + std::to_string(claims.capacity) + "\n" +
                        role_digit(claims.role) + "\n" + std::to_string(claims.expires_at_s) +
                        "\n" + std::to_string(claims.issued_at_ms);
  return sign(agent_kind, payload, secret);
}

std::string sign_visitor_token(const visitor_claims& claims, std::string_view secret) {
  // Payload: visitor_id \n exp
  return sign(visitor_kind,
              escape_field(claims.visitor_id) + "\n" + std::to_string(claims.expires_at_s), secret);
}

std::optional<agent_claims> verify_agent_token(std::string_view token, std::string_view secret,
                                               std::int64_t now_s) {
  const auto payload = open_token(token, agent_kind, secret);
  if (!payload) return std::nullopt;
  const auto fields = split(*payload, '\n');
  if (fields.size() != 7) return std::nullopt;
  agent_claims c;
  auto agent_id = unescape_field(fields[0]);
  auto display_name = unescape_field(fields[1]);
  if (!agent_id || !display_name) return std::nullopt;
  c.agent_id = std::move(*agent_id);
  c.display_name = std::move(*display_name);
  // An empty field is no departments; an empty department name inside the list is not valid.
  if (!fields[2].empty()) {
    for (auto d : split(fields[2], ',')) {
      auto department = unescape_field(d);
      if (!department || !is_operator_id(*department)) return std::nullopt;
      c.departments.push_back(std::move(*department));
    }
  }
  const auto capacity = parse_integer<std::uint32_t>(fields[3]);
  const auto expires = parse_integer<std::int64_t>(fields[5]);
  const auto issued = parse_integer<std::int64_t>(fields[6]);
  const auto role = role_from_digit(fields[4]);
  if (!capacity || !expires || !issued || !role) return std::nullopt;
  c.capacity = *capacity;
  c.role = *role;
  c.expires_at_s = *expires;
  c.issued_at_ms = *issued;
  if (!is_operator_id(c.agent_id) || c.expires_at_s <= now_s) return std::nullopt;
  return c;
}

std::optional<visitor_claims> verify_visitor_token(std::string_view token, std::string_view secret,
                                                   std::int64_t now_s) {
  const auto payload = open_token(token, visitor_kind, secret);
  if (!payload) return std::nullopt;
  const auto fields = split(*payload, '\n');
  if (fields.size() != 2) return std::nullopt;
  auto visitor_id = unescape_field(fields[0]);
  const auto expires = parse_integer<std::int64_t>(fields[1]);
  if (!visitor_id || !is_issued_id('v', *visitor_id) || !expires || *expires <= now_s) {
    return std::nullopt;
  }
  return visitor_claims{std::move(*visitor_id), *expires};
}

}  // namespace lc::core
