#include "server/core/netstring.hpp"

#include <charconv>

namespace lc::core {

void append_netstring(std::string& out, std::string_view item) {
  char len[20];
  auto [end, ec] = std::to_chars(len, len + sizeof len, item.size());
  out.append(len, end);
  out += ':';
  out += item;
}

std::optional<std::vector<std::string_view>> split_netstrings(std::string_view payload) {
  std::vector<std::string_view> items;
  while (!payload.empty()) {
    auto colon = payload.find(':');
    // Ten digits are more than any item a Redis value can hold.
    if (colon == std::string_view::npos || colon == 0 || colon > 10) return std::nullopt;
    std::size_t len = 0;
    auto [p, ec] = std::from_chars(payload.data(), payload.data() + colon, len);
    if (ec != std::errc() || p != payload.data() + colon) return std::nullopt;
    if (payload.size() - colon - 1 < len) return std::nullopt;
    items.push_back(payload.substr(colon + 1, len));
    payload.remove_prefix(colon + 1 + len);
  }
  return items;
}

}  // namespace lc::core
