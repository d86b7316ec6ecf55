#pragma once

#include <string>
#include <string_view>

namespace lc::core {

// SHA-256 of `bytes`, lower-case hex: a fixed-size stand-in for a secret or for text a client
// chose, where only equality matters.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256 of `data` under `key`: the 32 raw bytes ("" if OpenSSL fails).
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace lc::core
