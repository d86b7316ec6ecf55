#pragma once

#include <filesystem>
#include <string>
#include <string_view>

// Static file lookup for server/net, kept free of Beast so it is cheap to compile and test.
namespace lc::net {

struct static_lookup {
  enum class result { found, not_found, bad_path };
  result outcome = result::not_found;
  std::filesystem::path file;  // when found
  std::string content_type;    // when found
};

// Maps a request target (origin-form, query allowed) to a regular file under `root`: "/" is
// index.html, "/x" is x, else x.html, else x/index.html. Percent-escapes are decoded before the
// path is checked, so "%2e%2e" counts as "..", which (like NUL or a backslash) is a bad_path;
// symlinks leading outside the root are not_found.
static_lookup find_static_file(const std::filesystem::path& root, std::string_view target);

// "text/html; charset=utf-8" and so on, by extension; application/octet-stream if unknown.
std::string content_type_for(const std::filesystem::path& file);

// Targets the frontend always answers, even if a file of that name exists.
bool is_dynamic_route(std::string_view path);

}  // namespace lc::net
