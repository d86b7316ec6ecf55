#include "server/store/event_codec.hpp"

#include <charconv>
#include <cstdint>

namespace lc::store {

namespace {

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

livechat::v1::ChatEvent event_from_fields(const std::string& conversation_id,
                                          const field_list& fields) {
  livechat::v1::ChatEvent e;
  e.set_conversation_id(conversation_id);
  for (const auto& [k, v] : fields) {
    if (k.size() > 3) continue;
    if (k == "seq") {
      e.set_seq(static_cast<std::uint64_t>(to_int(v)));
    } else if (k == "ts") {
      e.set_at_ms(to_int(v));
    } else if (k == "k") {
      auto kind = static_cast<int>(to_int(v));
      if (livechat::v1::EventKind_IsValid(kind)) e.set_kind(livechat::v1::EventKind(kind));
    } else if (k == "r") {
      auto role = static_cast<int>(to_int(v));
      if (livechat::v1::Role_IsValid(role)) e.set_sender_role(livechat::v1::Role(role));
    } else if (k == "id") {
      e.set_sender_id(v);
    } else if (k == "n") {
      e.set_sender_name(v);
    } else if (k == "t") {
      e.set_text(v);
    } else if (k == "c") {
      e.set_client_msg_id(v);
    } else if (k == "a") {
      e.set_agent_id(v);
    } else if (k == "d") {
      e.set_department(v);
    }
  }
  return e;
}

std::optional<field_list> decode_netstrings(std::string_view payload) {
  std::vector<std::string> items;
  while (!payload.empty()) {
    auto colon = payload.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 10) return std::nullopt;
    std::size_t len = 0;
    auto [p, ec] = std::from_chars(payload.data(), payload.data() + colon, len);
    if (ec != std::errc() || p != payload.data() + colon) return std::nullopt;
    if (payload.size() - colon - 1 < len) return std::nullopt;
    items.emplace_back(payload.substr(colon + 1, len));
    payload.remove_prefix(colon + 1 + len);
  }
  if (items.size() % 2 != 0) return std::nullopt;
  field_list out;
  out.reserve(items.size() / 2);
  for (std::size_t i = 0; i < items.size(); i += 2) {
    out.emplace_back(std::move(items[i]), std::move(items[i + 1]));
  }
  return out;
}

}  // namespace lc::store
