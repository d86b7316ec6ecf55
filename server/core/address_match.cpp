#include "server/core/address_match.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace lc::core {

namespace {

// An address as 16 bytes (IPv4 mapped into the top four), and how many of them count.
struct parsed {
  std::array<std::uint8_t, 16> bytes{};
  int bits = 0;  // 32 for IPv4, 128 for IPv6
};

std::optional<parsed> parse_ip(std::string_view text) {
  const std::string s(text);
  parsed p;
  if (inet_pton(AF_INET, s.c_str(), p.bytes.data()) == 1) {
    p.bits = 32;
    return p;
  }
  if (inet_pton(AF_INET6, s.c_str(), p.bytes.data()) == 1) {
    p.bits = 128;
    return p;
  }
  return std::nullopt;
}

}  // namespace

bool address_matches(std::string_view address, std::string_view pattern) {
  const auto slash = pattern.find('/');
  const auto a = parse_ip(address);
  const auto net = parse_ip(pattern.substr(0, slash));
  if (!a || !net || a->bits != net->bits) return false;
  int prefix = net->bits;
  if (slash != std::string_view::npos) {
    const auto digits = pattern.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 ||
        prefix > net->bits) {
      return false;
    }
  }
  for (int i = 0; i < prefix; ++i) {
    const auto mask = static_cast<std::uint8_t>(0x80U >> (i % 8));
    if ((a->bytes[i / 8] & mask) != (net->bytes[i / 8] & mask)) return false;
  }
  return true;
}

}  // namespace lc::core
