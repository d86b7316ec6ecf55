#pragma once

#include <string>
#include <string_view>

namespace lc::core {

// A sign-in's refresh token: 32 random bytes, base64url. Only its hash is stored, so a copy of
// the database cannot renew anyone's session.
std::string new_refresh_token();
// SHA-256 of the token, lower-case hex.
std::string refresh_token_hash(std::string_view token);

}  // namespace lc::core
