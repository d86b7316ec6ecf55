#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "livechat/v1/livechat.pb.h"

// The Pub/Sub wake-ups the Functions library publishes, decoded. Their grammar is known here
// and in livechat.lua only. A wake-up is a hint (Pub/Sub is at-most-once): the stream and the
// hashes are the truth.
namespace lc::store {

// An event was appended to a conversation's stream ("e|conv|<netstrings of its fields>").
struct event_wakeup {
  livechat::v1::ChatEvent event;
};
// An agent was given a conversation ("a|conv|agent|epoch").
struct assigned_wakeup {
  std::string conversation_id, agent_id;
  std::uint64_t epoch = 0;
};
// A conversation left an agent: transferred away or requeued ("u|conv|agent").
struct unassigned_wakeup {
  std::string conversation_id, agent_id;
};
// Someone started or stopped typing ("t|conv|role|0/1|name"), or, with sneak peek, a visitor
// types this unsent text ("p|conv|role|" then the name and the draft as netstrings).
struct typing_wakeup {
  std::string conversation_id;
  livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
  bool typing = false;
  std::string name;
  std::string draft;  // for staff only
};
// A read or delivered high-water mark moved ("r|conv|role|delivered/read|seq").
struct receipt_wakeup {
  std::string conversation_id;
  livechat::v1::Role reader_role = livechat::v1::ROLE_UNSPECIFIED;
  livechat::v1::ReceiptKind kind = livechat::v1::RECEIPT_KIND_UNSPECIFIED;
  std::uint64_t seq = 0;
};
// The conversation's agent lost or regained their connection ("c|conv|0/1|grace seconds").
struct agent_connection_wakeup {
  std::string conversation_id;
  bool connected = false;
  std::uint32_t grace_seconds = 0;
};
// A department's queue changed ("q|dept", on the channel every node hears).
struct queue_wakeup {
  std::string department;
};

// An agent's tokens minted before not_before_ms were revoked ("x|agent|ms", every node).
struct revoked_wakeup {
  std::string agent_id;
  std::int64_t not_before_ms = 0;
};

// A visitor connected to this node was invited to chat ("v|visitor"): the invitation is read
// from their site hash.
struct invitation_wakeup {
  std::string visitor_id;
};

using wakeup =
    std::variant<event_wakeup, assigned_wakeup, unassigned_wakeup, typing_wakeup, receipt_wakeup,
                 agent_connection_wakeup, queue_wakeup, revoked_wakeup, invitation_wakeup>;

// Nothing when the payload is not a wake-up this server understands.
std::optional<wakeup> decode_wakeup(std::string_view payload);

}  // namespace lc::store
