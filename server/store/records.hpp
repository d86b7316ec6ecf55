#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/store/field_list.hpp"
#include "server/store/reply.hpp"

// What the store holds, as typed values: the port's records, decoded from Redis hashes here and
// nowhere else.
namespace lc::store {

// One conversation's hash (and its metadata hash).
struct conversation_record {
  std::string id, visitor_id, visitor_name, email, department, page_url;
  livechat::v1::ConversationState state = livechat::v1::CONVERSATION_STATE_UNSPECIFIED;
  // The agent it is assigned to; after a close, the agent who had it (empty if none did).
  std::string agent_id, agent_name;
  std::uint64_t epoch = 0;  // assignment epoch: bumped by every assignment
  std::uint64_t seq = 0;    // last event's seq
  std::int64_t joined_ms = 0, assigned_ms = 0, closed_ms = 0;
  std::string first_message;
  std::uint32_t rating = 0;  // 1..rating_scale, 0 when not rated
  std::uint32_t rating_scale = 5;
  std::string comment;
  // The pre-chat form's and the survey's answers, as core::encode_answers wrote them.
  std::string form, survey_answers;
  std::int64_t rated_ms = 0;
  std::map<std::string, std::string> metadata;
  std::string address_hex;  // the visitor's address at the join, as keys::hex_part ("" unknown)
};

conversation_record decode_conversation(const field_list& hash, const field_list& metadata);

// A visitor on the site (lc_site_list, lc_site_visit): their site hash with their open chat,
// name and number of chats.
livechat::v1::SiteVisitor decode_site_visitor(const std::string& visitor, const field_list& hash);
// One page of a visit: the netstrings of its url, title and ms; nothing when malformed.
std::optional<livechat::v1::PageVisit> decode_page_visit(std::string_view packed);

// A pending invitation as the library returns it: id, agent, agent name, department, text, at,
// expires, automatic (0/1). Nothing when the fields are not that.
inline constexpr std::size_t invitation_fields = 8;
std::optional<livechat::v1::Invitation> decode_invitation(std::span<const reply> fields);

// One agent of the team, as the on-call dashboard lists it.
struct agent_summary {
  std::string id, name;
  livechat::v1::PresenceStatus status = livechat::v1::PRESENCE_STATUS_OFFLINE;
  std::vector<std::string> departments;
  std::uint32_t active = 0, capacity = 0;
  bool connected = false;  // false during a reconnect grace and when their node is dead
};

// How a conversation's state is spelled in its hash ("queued", "assigned", "closed").
const char* state_name(livechat::v1::ConversationState state);
livechat::v1::ConversationState state_from_name(std::string_view name);

// How presence is spelled in the agent hash ("online", "away", "offline").
const char* presence_name(livechat::v1::PresenceStatus status);
livechat::v1::PresenceStatus presence_from_name(std::string_view name);

}  // namespace lc::store
