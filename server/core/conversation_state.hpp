#pragma once

#include <optional>

#include "livechat/v1/livechat.pb.h"
#include "server/core/error.hpp"

namespace lc::core {

using conversation_state = livechat::v1::ConversationState;

// What a participant asks to do to a conversation.
enum class conversation_action {
  visitor_message,
  agent_message,
  receipt,
  typing,
  transfer,
  close,
  rate,
};

// What moves a conversation between states.
enum class conversation_transition {
  assign,             // queued -> assigned
  transfer_to_agent,  // assigned -> assigned
  requeue,            // assigned -> queued (agent lost, transfer to a department)
  close,              // queued | assigned -> closed
};

// Whether `action` is allowed in `state`; the error (CONFLICT) explains why not.
// Visitors may write while queued (the agent reads it on assignment); agents only while
// assigned; rating only once closed; nothing else once closed.
std::optional<error> check_action(conversation_state state, conversation_action action);

// The state after `transition`, or nothing when the transition is not allowed from `state`.
std::optional<conversation_state> next_state(conversation_state state,
                                             conversation_transition transition);

// The state after a stream event has happened: assignments, transfers, requeues and the close
// move it; other events (and transitions `state` does not allow) leave it as it is.
conversation_state state_after(conversation_state state, const livechat::v1::ChatEvent& event);

// Events for staff only (internal notes, tags, monitoring, the visitor's navigation): kept with
// the conversation and never delivered to its visitor by any path.
bool staff_only(livechat::v1::EventKind kind);

}  // namespace lc::core
