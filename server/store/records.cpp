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
    } else if (k == "addr") {
      c.address_hex = v;
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
    } else if (k == "rated") {
      c.rated_ms = number<std::int64_t>(v);
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

}  // namespace lc::store
