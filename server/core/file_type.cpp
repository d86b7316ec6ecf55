#include "server/core/file_type.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "server/core/ascii.hpp"
#include "server/core/utf8.hpp"

namespace lc::core {

namespace {

using namespace std::string_view_literals;

bool starts(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string extension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  return ascii_lower(name.substr(dot + 1));
}

std::uint32_t be16(std::string_view s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 8) |
         static_cast<unsigned char>(s[at + 1]);
}
std::uint32_t le16(std::string_view s, std::size_t at) {
  return static_cast<unsigned char>(s[at]) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8);
}
std::uint32_t le24(std::string_view s, std::size_t at) {
  return le16(s, at) | (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16);
}
std::uint32_t be32(std::string_view s, std::size_t at) {
  return (be16(s, at) << 16) | be16(s, at + 2);
}

// Types a browser runs or renders as a document: only ever downloads, and only when named.
constexpr std::array active_types{"text/html"sv, "image/svg+xml"sv,   "application/xml"sv,
                                  "text/xml"sv,  "text/javascript"sv, "application/xhtml+xml"sv};

bool active(std::string_view type) {
  return std::find(active_types.begin(), active_types.end(), type) != active_types.end();
}

// Markup by its first tag, as a browser sniffing it would take it.
std::optional<std::string> markup_type(std::string_view head) {
  if (starts(head, "\xEF\xBB\xBF")) head.remove_prefix(3);
  while (!head.empty() && std::isspace(static_cast<unsigned char>(head.front()))) {
    head.remove_prefix(1);
  }
  if (head.empty() || head.front() != '<') return std::nullopt;
  const std::string start = ascii_lower(head.substr(0, 1024));
  if (start.find("<svg") != std::string::npos) return "image/svg+xml";
  for (auto tag : {"<!doctype html"sv, "<html"sv, "<head"sv, "<body"sv, "<script"sv, "<iframe"sv,
                   "<meta"sv, "<a "sv, "<div"sv, "<img"sv, "<style"sv, "<title"sv}) {
    if (start.find(tag) != std::string::npos) return "text/html";
  }
  if (starts(start, "<?xml")) return "application/xml";
  return std::nullopt;
}

// UTF-8 text without control characters (a sequence cut by the end of `head` allowed).
bool looks_like_text(std::string_view head) {
  for (unsigned char c : head) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f) return false;
  }
  if (is_valid_utf8(head)) return true;
  // The head may end inside a character: a lead byte and fewer continuation bytes than it says.
  for (std::size_t cut = 1; cut <= 3 && cut <= head.size(); ++cut) {
    const auto lead = static_cast<unsigned char>(head[head.size() - cut]);
    const std::size_t needs = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (needs == 0) continue;
    return needs > cut && lead <= 0xF4 && is_valid_utf8(head.substr(0, head.size() - cut));
  }
  return false;
}

std::string zip_type(std::string_view ext) {
  if (ext == "docx")
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  if (ext == "xlsx") return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  if (ext == "pptx") {
    return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
  }
  if (ext == "odt") return "application/vnd.oasis.opendocument.text";
  if (ext == "ods") return "application/vnd.oasis.opendocument.spreadsheet";
  return "application/zip";
}

std::optional<image_dimensions> jpeg_size(std::string_view s) {
  std::size_t at = 2;
  while (at + 4 <= s.size()) {
    if (static_cast<unsigned char>(s[at]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<unsigned char>(s[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      at += 2;
      continue;
    }
    const std::uint32_t length = be16(s, at + 2);
    if (length < 2) return std::nullopt;
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 9 > s.size()) return std::nullopt;
      return image_dimensions{be16(s, at + 7), be16(s, at + 5)};
    }
    at += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::string sniff_file_type(std::string_view head, std::string_view name) {
  const std::string ext = extension(name);
  if (starts(head, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts(head, "\xFF\xD8\xFF")) return "image/jpeg";
  if (starts(head, "GIF87a") || starts(head, "GIF89a")) return "image/gif";
  if (head.size() >= 12 && starts(head, "RIFF") && head.substr(8, 4) == "WEBP") return "image/webp";
  if (starts(head, "%PDF-")) return "application/pdf";
  if (starts(head, "PK\x03\x04"sv) || starts(head, "PK\x05\x06"sv)) return zip_type(ext);
  if (starts(head, "\x1f\x8b")) return "application/gzip";
  if (head.size() >= 12 && head.substr(4, 4) == "ftyp") {
    const auto brand = head.substr(8, 4);
    if (brand == "heic" || brand == "heix" || brand == "mif1") return "image/heic";
    if (brand == "qt  ") return "video/quicktime";
    return "video/mp4";
  }
  if (auto markup = markup_type(head)) return *markup;
  if (looks_like_text(head)) {
    // A name that says a browser would run it keeps that type, so only an operator who names
    // it accepts it (and even then it is only ever a download).
    if (ext == "html" || ext == "htm" || ext == "xhtml") return "text/html";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "js" || ext == "mjs") return "text/javascript";
    if (ext == "xml") return "application/xml";
    if (ext == "csv") return "text/csv";
    return "text/plain";
  }
  return "application/octet-stream";
}

std::optional<image_dimensions> image_size(std::string_view s) {
  if (starts(s, "\x89PNG\r\n\x1a\n")) {
    if (s.size() < 24 || s.substr(12, 4) != "IHDR") return std::nullopt;
    return image_dimensions{be32(s, 16), be32(s, 20)};
  }
  if (starts(s, "GIF87a") || starts(s, "GIF89a")) {
    if (s.size() < 10) return std::nullopt;
    return image_dimensions{le16(s, 6), le16(s, 8)};
  }
  if (starts(s, "\xFF\xD8\xFF")) return jpeg_size(s);
  if (s.size() >= 16 && starts(s, "RIFF") && s.substr(8, 4) == "WEBP") {
    const auto chunk = s.substr(12, 4);
    if (chunk == "VP8 " && s.size() >= 30) {
      return image_dimensions{le16(s, 26) & 0x3fffU, le16(s, 28) & 0x3fffU};
    }
    if (chunk == "VP8L" && s.size() >= 25 && static_cast<unsigned char>(s[20]) == 0x2f) {
      const std::uint32_t bits =
          static_cast<unsigned char>(s[21]) |
          (static_cast<std::uint32_t>(static_cast<unsigned char>(s[22])) << 8) |
          (static_cast<std::uint32_t>(static_cast<unsigned char>(s[23])) << 16) |
          (static_cast<std::uint32_t>(static_cast<unsigned char>(s[24])) << 24);
      return image_dimensions{(bits & 0x3fffU) + 1, ((bits >> 14) & 0x3fffU) + 1};
    }
    if (chunk == "VP8X" && s.size() >= 30) {
      return image_dimensions{le24(s, 24) + 1, le24(s, 27) + 1};
    }
  }
  return std::nullopt;
}

bool file_type_allowed(std::string_view type, const std::vector<std::string>& accepted) {
  for (const auto& pattern : accepted) {
    if (pattern == type) return true;
    if (active(type)) continue;
    if (pattern == "*/*") return true;
    // "image/*", "application/vnd.oasis.opendocument.*": everything the part before '*' starts.
    if (pattern.size() > 1 && pattern.back() == '*' && pattern.find('/') < pattern.size() - 1 &&
        starts(type, std::string_view(pattern).substr(0, pattern.size() - 1))) {
      return true;
    }
  }
  return false;
}

bool is_media_type_pattern(std::string_view p) {
  if (p == "*/*") return true;
  const auto slash = p.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    const bool star_at_end = c == '*' && i + 1 == p.size() && i > slash;
    const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
                       c == '-' || c == '_';
    if (!plain && !star_at_end && !(c == '/' && i == slash)) return false;
  }
  return true;
}

std::optional<std::vector<std::string>> parse_media_type_list(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      if (!is_media_type_pattern(item)) return std::nullopt;
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<std::string> default_file_types() {
  return {"image/png",
          "image/jpeg",
          "image/gif",
          "image/webp",
          "image/heic",
          "application/pdf",
          "text/plain",
          "text/csv",
          "application/zip",
          "application/gzip",
          "video/mp4",
          "video/quicktime",
          "application/vnd.openxmlformats-officedocument.*",
          "application/vnd.oasis.opendocument.*"};
}

bool shown_inline(std::string_view type) {
  return type == "image/png" || type == "image/jpeg" || type == "image/gif" || type == "image/webp";
}

std::string clean_file_name(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  const bool utf8 = is_valid_utf8(name);
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '"' || (!utf8 && c >= 0x80)) continue;
    out.push_back(static_cast<char>(c));
  }
  constexpr std::size_t max_bytes = 200;
  if (out.size() > max_bytes) {
    std::size_t cut = max_bytes;
    // Back to the start of a UTF-8 sequence, so the cut never splits a character.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0U) == 0x80U) --cut;
    out.resize(cut);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  return out.empty() || out == "." || out == ".." ? std::string("file") : out;
}

std::string content_disposition(std::string_view name, bool inline_display) {
  std::string ascii, encoded;
  constexpr std::string_view attr_chars = "!#$&+-.^_`|~";
  for (unsigned char c : name) {
    ascii.push_back(
        c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? static_cast<char>(c) : '_');
    if (std::isalnum(c) != 0 || attr_chars.find(static_cast<char>(c)) != std::string_view::npos) {
      encoded.push_back(static_cast<char>(c));
    } else {
      constexpr std::string_view digits = "0123456789ABCDEF";
      encoded.push_back('%');
      encoded.push_back(digits[c >> 4U]);
      encoded.push_back(digits[c & 0xFU]);
    }
  }
  return std::string(inline_display ? "inline" : "attachment") + "; filename=\"" + ascii +
         "\"; filename*=UTF-8''" + encoded;
}

std::string file_size_text(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  const char* units[] = {"KB", "MB", "GB"};
  double v = static_cast<double>(bytes) / 1024;
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  // One decimal below 10, as people write sizes; none above.
  const auto tenths = static_cast<std::uint64_t>(std::llround(v * 10));
  std::string n = v < 9.95 ? std::to_string(tenths / 10) + "." + std::to_string(tenths % 10)
                           : std::to_string(std::llround(v));
  return n + " " + units[u];
}

bool acceptable_preview(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > max_preview_bytes) return false;
  const auto type = sniff_file_type(bytes, "");
  if (type != "image/png" && type != "image/jpeg" && type != "image/webp") return false;
  const auto size = image_size(bytes);
  return size && size->width > 0 && size->height > 0 && size->width <= max_preview_side &&
         size->height <= max_preview_side;
}

}  // namespace lc::core
