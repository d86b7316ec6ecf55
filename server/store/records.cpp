#include "server/store/records.hpp"

#include <charconv>

#include "server/core/netstring.hpp"

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
    } else if (k == "rscale") {
      // Only a scale the archive takes: a bad value must not hold up archiving.
      const auto scale = number<std::uint32_t>(v);
      if (scale == 2 || scale == 3 || scale == 5 || scale == 10) c.rating_scale = scale;
    } else if (k == "survey") {
      c.survey_answers = v;
    } else if (k == "form") {
      c.form = v;
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

livechat::v1::SiteVisitor decode_site_visitor(const std::string& visitor, const field_list& hash) {
  livechat::v1::SiteVisitor v;
  v.set_visitor_id(visitor);
  std::int64_t chats = 0;
  for (const auto& [k, value] : hash) {
    if (k == "url") v.set_url(value);
    if (k == "title") v.set_title(value);
    if (k == "psince") v.set_on_page_since_ms(number<std::int64_t>(value));
    if (k == "ssince") v.set_on_site_since_ms(number<std::int64_t>(value));
    if (k == "ref") v.set_referrer(value);
    if (k == "pages") v.set_pages(static_cast<std::uint32_t>(number<std::int64_t>(value)));
    if (k == "br") v.set_browser(value);
    if (k == "os") v.set_os(value);
    if (k == "dev") v.set_device(value);
    if (k == "lang") v.set_language(value);
    if (k == "tz") v.set_time_zone(value);
    if (k == "off")
      v.set_utc_offset_minutes(static_cast<std::int32_t>(number<std::int64_t>(value)));
    if (k == "conv") v.set_conversation_id(value);
    if (k == "name") v.set_display_name(value);
    if (k == "invs") v.set_invitation(value);
    if (k == "invn") v.set_invited_by(value);
    if (k == "chats") chats = number<std::int64_t>(value);
  }
  // The open chat is one of them: the others came before.
  if (!v.conversation_id().empty() && chats > 0) --chats;
  if (v.conversation_id().empty()) v.clear_display_name();
  v.set_previous_chats(static_cast<std::uint32_t>(chats));
  return v;
}

std::optional<livechat::v1::PageVisit> decode_page_visit(std::string_view packed) {
  auto items = core::split_netstrings(packed);
  if (!items || items->size() != 3) return std::nullopt;
  livechat::v1::PageVisit p;
  p.set_url(std::string((*items)[0]));
  p.set_title(std::string((*items)[1]));
  p.set_at_ms(number<std::int64_t>((*items)[2]));
  return p;
}

std::optional<pb::Invitation> decode_invitation(std::span<const reply> f) {
  if (f.size() != invitation_fields || f[0].as_string().empty()) return std::nullopt;
  pb::Invitation inv;
  inv.set_invitation_id(f[0].as_string());
  inv.set_agent_id(f[1].as_string());
  inv.set_agent_name(f[2].as_string());
  inv.set_department(f[3].as_string());
  inv.set_text(f[4].as_string());
  inv.set_at_ms(f[5].as_int());
  inv.set_expires_at_ms(f[6].as_int());
  inv.set_automatic(f[7].as_int() == 1);
  return inv;
}

}  // namespace lc::store
