#pragma once

#include <string>
#include <string_view>

namespace lc::core {

// `s` with its ASCII letters in lower case and every other byte as it is: for the
// case-insensitive tokens of HTTP and MIME (header names, media types, parameters) and file
// extensions, never for text people wrote.
std::string ascii_lower(std::string_view s);

}  // namespace lc::core
