#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lc::core {

inline constexpr std::size_t min_password_bytes = 10;
inline constexpr std::size_t max_password_bytes = 1024;

// Whether a staff account may take `password`: min..max_password_bytes bytes of valid UTF-8.
// Nothing else is asked (no character classes): length is what makes a password strong. When
// not, `why` (if given) says why in words fit for the person choosing it.
bool password_acceptable(std::string_view password, std::string* why = nullptr);

// A new salted hash of `password`, self-describing so its parameters can be raised later
// without invalidating stored ones: "scrypt$ln=15,r=8,p=1$<base64url salt>$<base64url key>"
// (scrypt with N = 2^ln, a 16-byte random salt, a 32-byte key; about 32 MiB and 0.1 s).
// Throws std::runtime_error when OpenSSL fails (no randomness, out of memory).
std::string hash_password(std::string_view password);

// Whether `password` is the one `stored` (from hash_password) was made from, compared in constant
// time. False for anything malformed, and for parameters beyond what hash_password would choose
// by more than a small margin, so a tampered record cannot make one sign-in cost minutes or GBs.
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace lc::core
