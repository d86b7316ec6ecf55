#pragma once

#include <cstddef>
#include <string>

namespace lc::core {

// `bytes` random bytes from OpenSSL as lower-case hex: unguessable ids for conversations,
// visitors and offline messages.
std::string random_id(std::size_t bytes = 12);

// A random id with a one-letter kind in front: c(onversation), v(isitor), o(ffline message).
std::string prefixed_id(char kind, std::size_t bytes = 12);

}  // namespace lc::core
