#include "server/store/wakeup.hpp"

#include <array>
#include <charconv>

#include "server/store/event_codec.hpp"

namespace lc::store {

namespace pb = livechat::v1;

namespace {

// Splits `s` on '|' into exactly N parts; the last part keeps any further '|' (a typing name
// may contain one). Nothing when there are fewer.
template <std::size_t N>
std::optional<std::array<std::string_view, N>> split(std::string_view s) {
  std::array<std::string_view, N> out;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    auto bar = s.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    out[i] = s.substr(0, bar);
    s.remove_prefix(bar + 1);
  }
  out[N - 1] = s;
  return out;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<pb::Role> role_of(std::string_view s) {
  auto r = number<int>(s);
  if (!r || !pb::Role_IsValid(*r)) return std::nullopt;
  return static_cast<pb::Role>(*r);
}

std::optional<wakeup> decode_event(std::string_view rest) {
  auto bar = rest.find('|');
  if (bar == std::string_view::npos || bar == 0) return std::nullopt;
  auto fields = decode_netstrings(rest.substr(bar + 1));
  if (!fields) return std::nullopt;
  auto event = event_from_fields(std::string(rest.substr(0, bar)), *fields);
  if (event.seq() == 0) return std::nullopt;
  return event_wakeup{std::move(event)};
}

}  // namespace

std::optional<wakeup> decode_wakeup(std::string_view payload) {
  if (payload.size() < 2 || payload[1] != '|') return std::nullopt;
  const char kind = payload[0];
  const auto rest = payload.substr(2);
  switch (kind) {
    case 'e':
      return decode_event(rest);
    case 'a': {
      auto p = split<3>(rest);
      if (!p) return std::nullopt;
      auto epoch = number<std::uint64_t>((*p)[2]);
      if (!epoch) return std::nullopt;
      return assigned_wakeup{std::string((*p)[0]), std::string((*p)[1]), *epoch};
    }
    case 'u': {
      auto p = split<2>(rest);
      if (!p) return std::nullopt;
      return unassigned_wakeup{std::string((*p)[0]), std::string((*p)[1])};
    }
    case 't': {
      auto p = split<4>(rest);
      auto role = p ? role_of((*p)[1]) : std::nullopt;
      if (!role) return std::nullopt;
      return typing_wakeup{std::string((*p)[0]), *role, (*p)[2] == "1", std::string((*p)[3]), {}};
    }
    case 'p': {
      auto p = split<3>(rest);
      auto role = p ? role_of((*p)[1]) : std::nullopt;
      auto fields = p ? decode_netstrings((*p)[2]) : std::nullopt;
      // One pair of netstrings: the name, then the draft.
      if (!role || !fields || fields->size() != 1 || (*p)[0].empty()) return std::nullopt;
      auto& [name, draft] = fields->front();
      return typing_wakeup{std::string((*p)[0]), *role, true, std::move(name), std::move(draft)};
    }
    case 'r': {
      auto p = split<4>(rest);
      auto role = p ? role_of((*p)[1]) : std::nullopt;
      auto seq = p ? number<std::uint64_t>((*p)[3]) : std::nullopt;
      if (!role || !seq) return std::nullopt;
      auto k = (*p)[2] == "read" ? pb::RECEIPT_KIND_READ : pb::RECEIPT_KIND_DELIVERED;
      return receipt_wakeup{std::string((*p)[0]), *role, k, *seq};
    }
    case 'c': {
      auto p = split<3>(rest);
      auto grace = p ? number<std::uint32_t>((*p)[2]) : std::nullopt;
      if (!grace) return std::nullopt;
      return agent_connection_wakeup{std::string((*p)[0]), (*p)[1] == "1", *grace};
    }
    case 'q':
      if (rest.empty()) return std::nullopt;
      return queue_wakeup{std::string(rest)};
    case 'x': {
      auto p = split<2>(rest);
      auto at = p ? number<std::int64_t>((*p)[1]) : std::nullopt;
      if (!at || (*p)[0].empty()) return std::nullopt;
      return revoked_wakeup{std::string((*p)[0]), *at};
    }
    case 'v':
      if (rest.empty() || rest.find('|') != std::string_view::npos) return std::nullopt;
      return invitation_wakeup{std::string(rest)};
    default:
      return std::nullopt;
  }
}

}  // namespace lc::store
