#pragma once

#include <string>
#include <string_view>

namespace lc::core {

// Standard base64 (RFC 4648 section 4, '+' and '/', padded): MIME bodies and headers, and the
// WebSocket handshake's accept key. Tokens use base64url instead (token.hpp).
std::string base64_encode(std::string_view bytes);

}  // namespace lc::core
