#include "server/core/ids.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace lc::core {

namespace {

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

std::optional<std::string> unhex(std::string_view digits) {
  if (digits.size() % 2 != 0) return std::nullopt;
  const auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  out.reserve(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    if (!is_lower_hex(digits[i]) || !is_lower_hex(digits[i + 1])) return std::nullopt;
    out.push_back(static_cast<char>(value(digits[i]) * 16 + value(digits[i + 1])));
  }
  return out;
}

std::string random_id(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return hex(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

std::string issued_id(char kind) {
  // Built by appending: `"c" + string` trips GCC 12's -Wrestrict false positive.
  std::string id(1, kind);
  id += random_id(issued_id_hex_digits / 2);
  return id;
}

bool is_issued_id(char kind, std::string_view id) {
  if (id.size() != 1 + issued_id_hex_digits || id[0] != kind) return false;
  for (char c : id.substr(1)) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

bool is_operator_id(std::string_view id) {
  if (id.empty() || id.size() > max_operator_id_bytes || !is_lower_alnum(id[0])) return false;
  for (char c : id) {
    if (!is_lower_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > max_tag_bytes) return false;
  for (char c : tag) {
    if (!is_lower_alnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool is_client_id(std::string_view id, std::size_t max_bytes) {
  if (id.empty() || id.size() > max_bytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace lc::core
