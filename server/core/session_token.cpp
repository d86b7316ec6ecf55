#include "server/core/session_token.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "server/core/digest.hpp"
#include "server/core/ids.hpp"
#include "server/core/token.hpp"

namespace lc::core {

std::string new_refresh_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string refresh_token_hash(std::string_view token) {
  return sha256_hex(token);
}

}  // namespace lc::core
