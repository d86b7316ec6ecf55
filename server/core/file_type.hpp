#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lc::core {

// How many of a file's first bytes sniff_file_type and image_size need.
inline constexpr std::size_t file_sniff_bytes = 256UL * 1024;

// The media type of a file, from its first bytes (magic numbers) and, for the formats that
// share a container (Office documents are zip files) or have none (text), its name's extension.
// Never from what the client claims. "application/octet-stream" when nothing matches.
std::string sniff_file_type(std::string_view head, std::string_view name);

// An image's pixel size from its header (PNG, GIF, JPEG, WebP); nothing for anything else or
// a header cut short.
struct image_dimensions {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};
std::optional<image_dimensions> image_size(std::string_view head);

// The operator's list of accepted types ("image/png", "image/*", "*/*", or any prefix ending in
// '*' after the '/'): true when `type` matches one. A wildcard never admits a type a browser would
// run (HTML, SVG, XML, JavaScript): those must be listed by name.
bool file_type_allowed(std::string_view type, const std::vector<std::string>& accepted);

// A media type or pattern an operator may list: "type/subtype", "type/*", "*/*" or a prefix
// ending in '*' after the '/'; lower-case letters, digits and .+-_ only.
bool is_media_type_pattern(std::string_view pattern);
// "a,b" (spaces around items ignored) into patterns; nothing when one is not a pattern.
std::optional<std::vector<std::string>> parse_media_type_list(std::string_view list);

// What a server takes unless told otherwise: images, PDF, plain text and CSV, archives, phone
// videos, office documents.
std::vector<std::string> default_file_types();

// Types a browser may show inline from this server without running anything: the raster
// images. Every other type is served as a download.
bool shown_inline(std::string_view type);

// A name fit to store and show: the last path segment, control characters and the bytes that
// end a header or a quoted string dropped, at most 200 bytes of valid UTF-8; "file" if nothing
// is left.
std::string clean_file_name(std::string_view name);

// The Content-Disposition value for a file (RFC 6266): an ASCII fallback name and the UTF-8
// name percent-encoded in filename*.
std::string content_disposition(std::string_view name, bool inline_display);

// "812 bytes", "4.2 KB", "13 MB": a file's size as people read it (1 KB = 1024 bytes).
std::string file_size_text(std::uint64_t bytes);

// A preview an uploader made: a PNG, JPEG or WebP of at most max_preview_bytes whose header
// says at most max_preview_side pixels a side.
inline constexpr std::size_t max_preview_bytes = 8UL * 1024;
inline constexpr std::uint32_t max_preview_side = 200;
bool acceptable_preview(std::string_view bytes);

}  // namespace lc::core
