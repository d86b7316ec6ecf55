// What an HTTP client controls before the REST API runs: the raw request head (checked against
// RFC 9112 before parsing), the request target (path and query parameters), the time and count
// parameters, and the static file lookup for that target.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "server/core/http_head.hpp"
#include "server/core/query.hpp"
#include "server/net/static_files.hpp"

namespace {

// An empty directory: a lookup may only ever resolve inside it.
const std::filesystem::path& static_root() {
  static const std::filesystem::path root = [] {
    auto p = std::filesystem::temp_directory_path() / "livechat-fuzz-static";
    std::filesystem::create_directories(p);
    return p;
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)lc::core::check_request_head(bytes);
  // The request line's target, as the server sees it after the head was accepted.
  const auto space = bytes.find(' ');
  const auto target = bytes.substr(space == std::string_view::npos ? 0 : space + 1,
                                   bytes.find_first_of(" \r\n", space + 1) - space - 1);
  if (auto t = lc::core::parse_target(target)) {
    for (const auto& [name, value] : t->params) {
      (void)lc::core::parse_time_ms(value);
      (void)lc::core::parse_count(value, 500);
    }
    (void)lc::net::is_dynamic_route(t->path);
  }
  auto found = lc::net::find_static_file(static_root(), target);
  if (found.outcome == lc::net::static_lookup::result::found) {
    const auto rel = found.file.lexically_relative(static_root()).string();
    if (rel.empty() || rel.rfind("..", 0) == 0) __builtin_trap();  // escaped the root
  }
  return 0;
}
