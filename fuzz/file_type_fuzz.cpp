// An uploaded file's first bytes and its client-chosen name, and a sender's preview: the type
// sniffing, the image header readers, the name cleaning and the Content-Disposition built from
// it. Input: "<name>\0<bytes>" (no NUL: all bytes, an empty name).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/core/file_type.hpp"
#include "server/core/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const auto name = nul == std::string_view::npos ? std::string_view() : input.substr(0, nul);
  const auto bytes = nul == std::string_view::npos ? input : input.substr(nul + 1);

  const auto type = lc::core::sniff_file_type(bytes, name);
  if (type.empty() || type.find('/') == std::string::npos) __builtin_trap();
  // Markup is never a type a wildcard admits, and never shown inline.
  if (type == "text/html" || type == "image/svg+xml") {
    if (lc::core::file_type_allowed(type, {"*/*", "image/*", "text/*"})) __builtin_trap();
    if (lc::core::shown_inline(type)) __builtin_trap();
  }
  (void)lc::core::image_size(bytes);
  (void)lc::core::acceptable_preview(bytes);

  const auto clean = lc::core::clean_file_name(name);
  if (clean.empty() || clean.size() > 200 || !lc::core::is_valid_utf8(clean)) __builtin_trap();
  if (clean.find_first_of("/\\\"\r\n") != std::string::npos) __builtin_trap();
  // The header value never holds what would end it or start another header.
  const auto disposition = lc::core::content_disposition(clean, true);
  for (unsigned char c : disposition) {
    if (c < 0x20 || c >= 0x7f) __builtin_trap();
  }
  return 0;
}
