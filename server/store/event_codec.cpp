#include "server/store/event_codec.hpp"

#include <charconv>
#include <cstdint>

#include "server/core/netstring.hpp"

namespace lc::store {

namespace {

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

namespace {

void apply_field(livechat::v1::ChatEvent& e, const std::string& k, const std::string& v,
                 bool top_level) {
  if (k.size() > 3) return;
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
  } else if (k == "pt") {
    e.set_page_title(v);
  } else if (k == "f") {
    e.mutable_attachment()->ParseFromString(v);
  } else if (k == "e" && top_level) {
    // A message's fields packed into one (see livechat.lua); one level only.
    if (auto packed = decode_netstrings(v)) {
      for (const auto& [pk, pv] : *packed) apply_field(e, pk, pv, false);
    }
  }
}

}  // namespace

livechat::v1::ChatEvent event_from_fields(const std::string& conversation_id,
                                          const field_list& fields) {
  livechat::v1::ChatEvent e;
  e.set_conversation_id(conversation_id);
  for (const auto& [k, v] : fields) apply_field(e, k, v, true);
  return e;
}

std::uint64_t seq_of_entry_id(std::string_view id) {
  if (id.size() < 3 || id.substr(0, 2) != "0-") return 0;
  std::uint64_t seq = 0;
  auto [p, ec] = std::from_chars(id.data() + 2, id.data() + id.size(), seq);
  return ec == std::errc() && p == id.data() + id.size() ? seq : 0;
}

std::optional<field_list> decode_netstrings(std::string_view payload) {
  auto items = core::split_netstrings(payload);
  if (!items || items->size() % 2 != 0) return std::nullopt;
  field_list out;
  out.reserve(items->size() / 2);
  for (std::size_t i = 0; i < items->size(); i += 2) {
    out.emplace_back(std::string((*items)[i]), std::string((*items)[i + 1]));
  }
  return out;
}

}  // namespace lc::store
