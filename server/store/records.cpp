#include "server/store/records.hpp"

#include <charconv>

namespace lc::store {

namespace pb = livechat::v1;

namespace {

template <class T>
T number(std::string_view s) {
  T v{};
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

conversation_record decode_conversation(const field_list& hash, const field_list& metadata) {
  conversation_record c;
  for (const auto& [k, v] : hash) {
    if (k == "id") {
      c.id = v;
    } else if (k == "visitor") {
      c.visitor_id = v;
    } else if (k == "vname") {
      c.visitor_name = v;
    } else if (k == "email") {
      c.email = v;
    } else if (k == "dept") {
      c.department = v;
    } else if (k == "page") {
      c.page_url = v;
    } else if (k == "state") {
      c.state = state_from_name(v);
    } else if (k == "agent") {
      c.agent_id = v;
    } else if (k == "aname") {
      c.agent_name = v;
    } else if (k == "epoch") {
      c.epoch = number<std::uint64_t>(v);
    } else if (k == "seq") {
      c.seq = number<std::uint64_t>(v);
    } else if (k == "joined") {
      c.joined_ms = number<std::int64_t>(v);
    } else if (k == "assigned") {
      c.assigned_ms = number<std::int64_t>(v);
    } else if (k == "closed") {
      c.closed_ms = number<std::int64_t>(v);
    } else if (k == "first") {
      c.first_message = v;
    } else if (k == "rating") {
      c.rating = number<std::uint32_t>(v);
    } else if (k == "comment") {
      c.comment = v;
    }
  }
  for (const auto& [k, v] : metadata) c.metadata[k] = v;
  return c;
}

const char* state_name(pb::ConversationState state) {
  switch (state) {
    case pb::CONVERSATION_STATE_QUEUED:
      return "queued";
    case pb::CONVERSATION_STATE_ASSIGNED:
      return "assigned";
    case pb::CONVERSATION_STATE_CLOSED:
      return "closed";
    default:
      return "unknown";
  }
}

pb::ConversationState state_from_name(std::string_view s) {
  if (s == "queued") return pb::CONVERSATION_STATE_QUEUED;
  if (s == "assigned") return pb::CONVERSATION_STATE_ASSIGNED;
  if (s == "closed") return pb::CONVERSATION_STATE_CLOSED;
  return pb::CONVERSATION_STATE_UNSPECIFIED;
}

const char* presence_name(pb::PresenceStatus status) {
  switch (status) {
    case pb::PRESENCE_STATUS_ONLINE:
      return "online";
    case pb::PRESENCE_STATUS_AWAY:
      return "away";
    default:
      return "offline";
  }
}

pb::PresenceStatus presence_from_name(std::string_view name) {
  if (name == "online") return pb::PRESENCE_STATUS_ONLINE;
  if (name == "away") return pb::PRESENCE_STATUS_AWAY;
  return pb::PRESENCE_STATUS_OFFLINE;
}

std::string encode_measurement_member(const measurement_row& row) {
  std::string out = row.conversation_id;
  out += '|';
  out += std::to_string(row.index);
  out += '|';
  out += row.department;
  out += '|';
  out += row.agent_id;
  out += '|';
  out += std::to_string(row.value);
  return out;
}

std::optional<measurement_row> decode_measurement_member(std::string_view measure,
                                                         std::string_view member,
                                                         std::int64_t at_ms) {
  std::string_view parts[5];
  for (int i = 0; i < 4; ++i) {
    auto bar = member.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    parts[i] = member.substr(0, bar);
    member.remove_prefix(bar + 1);
  }
  parts[4] = member;
  measurement_row r;
  r.measure = std::string(measure);
  r.at_ms = at_ms;
  r.conversation_id = std::string(parts[0]);
  r.department = std::string(parts[2]);
  r.agent_id = std::string(parts[3]);
  auto [p1, e1] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), r.index);
  auto [p4, e4] = std::from_chars(parts[4].data(), parts[4].data() + parts[4].size(), r.value);
  if (e1 != std::errc() || e4 != std::errc() || p4 != parts[4].data() + parts[4].size()) {
    return std::nullopt;
  }
  return r;
}

}  // namespace lc::store
