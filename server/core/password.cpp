#include "server/core/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "server/core/token.hpp"
#include "server/core/utf8.hpp"

namespace lc::core {

namespace {

constexpr std::string_view scheme = "scrypt$";
constexpr std::uint32_t default_log_n = 15, default_r = 8, default_p = 1;
constexpr std::size_t salt_bytes = 16, max_salt_bytes = 64, key_bytes = 32;

// What verify accepts: up to twice the default memory and four times its work. Lower parameters
// are accepted too, down to a floor: anyone who can rewrite a stored hash can replace it anyway.
constexpr std::uint64_t max_memory_bytes = 64ULL << 20;
constexpr std::uint64_t max_work = (1ULL << default_log_n) * default_r * default_p * 4;
constexpr std::uint32_t min_log_n = 10, max_log_n = 20, max_r = 32, max_p = 16;
// OpenSSL's own bound (32 MiB unless given) sits just below N=2^15 r=8, which needs
// 128 * r * (N + 2) + 128 * r * p bytes; the parameters are bounded above, this only has to fit.
constexpr std::uint64_t scrypt_maxmem = max_memory_bytes + (1ULL << 20);

struct scrypt_params {
  std::uint32_t log_n = 0, r = 0, p = 0;
};

// "<name>=<decimal>" with no sign or leading zero, so one stored string has one reading.
bool take_param(std::string_view& text, std::string_view name, std::uint32_t& out) {
  if (text.substr(0, name.size()) != name || text.substr(name.size(), 1) != "=") return false;
  text.remove_prefix(name.size() + 1);
  const auto res = std::from_chars(text.data(), text.data() + text.size(), out);
  const auto used = static_cast<std::size_t>(res.ptr - text.data());
  if (res.ec != std::errc() || used == 0 || (text[0] == '0' && used > 1)) return false;
  text.remove_prefix(used);
  return true;
}

std::optional<scrypt_params> parse_params(std::string_view text) {
  scrypt_params p;
  if (!take_param(text, "ln", p.log_n) || text.substr(0, 1) != ",") return std::nullopt;
  text.remove_prefix(1);
  if (!take_param(text, "r", p.r) || text.substr(0, 1) != ",") return std::nullopt;
  text.remove_prefix(1);
  if (!take_param(text, "p", p.p) || !text.empty()) return std::nullopt;
  if (p.log_n < min_log_n || p.log_n > max_log_n || p.r < 1 || p.r > max_r || p.p < 1 ||
      p.p > max_p) {
    return std::nullopt;
  }
  const std::uint64_t n = 1ULL << p.log_n;
  if (std::uint64_t{128} * p.r * n > max_memory_bytes || n * p.r * p.p > max_work)
    return std::nullopt;
  return p;
}

bool derive(std::string_view password, std::string_view salt, const scrypt_params& p,
            unsigned char* key, std::size_t key_len) {
  // An empty view may have no data pointer; scrypt wants one even for zero bytes.
  static const char empty = 0;
  const char* pass = password.empty() ? &empty : password.data();
  return EVP_PBE_scrypt(pass, password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                        salt.size(), 1ULL << p.log_n, p.r, p.p, scrypt_maxmem, key, key_len) == 1;
}

}  // namespace

bool password_acceptable(std::string_view password, std::string* why) {
  const char* problem = nullptr;
  if (password.size() < min_password_bytes) {
    problem = "a password needs at least 10 characters";
  } else if (password.size() > max_password_bytes) {
    problem = "a password may have at most 1024 bytes";
  } else if (!is_valid_utf8(password)) {
    problem = "a password must be valid UTF-8 text";
  }
  if (problem != nullptr && why != nullptr) *why = problem;
  return problem == nullptr;
}

std::string hash_password(std::string_view password) {
  std::array<unsigned char, salt_bytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  const std::string_view salt_view(reinterpret_cast<const char*>(salt.data()), salt.size());
  std::array<unsigned char, key_bytes> key{};
  if (!derive(password, salt_view, {default_log_n, default_r, default_p}, key.data(), key.size())) {
    throw std::runtime_error("EVP_PBE_scrypt failed");
  }
  std::string out(scheme);
  out += "ln=" + std::to_string(default_log_n) + ",r=" + std::to_string(default_r) +
         ",p=" + std::to_string(default_p) + "$";
  out += base64url_encode(salt_view) + "$";
  out += base64url_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  OPENSSL_cleanse(key.data(), key.size());
  return out;
}

bool verify_password(std::string_view password, std::string_view stored) {
  if (stored.substr(0, scheme.size()) != scheme) return false;
  stored.remove_prefix(scheme.size());
  const auto params_end = stored.find('$');
  if (params_end == std::string_view::npos) return false;
  const auto salt_end = stored.find('$', params_end + 1);
  if (salt_end == std::string_view::npos) return false;
  const auto params = parse_params(stored.substr(0, params_end));
  const auto salt = base64url_decode(stored.substr(params_end + 1, salt_end - params_end - 1));
  const auto expected = base64url_decode(stored.substr(salt_end + 1));
  if (!params || !salt || salt->size() < salt_bytes || salt->size() > max_salt_bytes || !expected ||
      expected->size() != key_bytes) {
    return false;
  }
  std::array<unsigned char, key_bytes> key{};
  if (!derive(password, *salt, *params, key.data(), key.size())) return false;
  // Constant time, so response timings say nothing about how much of a guess matched.
  const bool same = CRYPTO_memcmp(key.data(), expected->data(), key.size()) == 0;
  OPENSSL_cleanse(key.data(), key.size());
  return same;
}

}  // namespace lc::core
