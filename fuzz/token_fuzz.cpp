// A token as a client presents it in Hello or an Authorization header: any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/core/token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view secret = "fuzz-secret";
  (void)lc::core::verify_agent_token(text, secret, 1'700'000'000);
  (void)lc::core::verify_visitor_token(text, secret, 1'700'000'000);
  // A decoded payload re-encodes to the same text (the codec is one-to-one on what it accepts).
  if (auto decoded = lc::core::base64url_decode(text)) {
    if (lc::core::base64url_encode(*decoded) != text) __builtin_trap();
  }
  return 0;
}
