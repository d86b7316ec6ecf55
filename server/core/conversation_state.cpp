#include "server/core/conversation_state.hpp"

namespace lc::core {

namespace {

namespace pb = livechat::v1;

error conflict(std::string text) {
  return error{pb::ERROR_CODE_CONFLICT, std::move(text)};
}

}  // namespace

std::optional<error> check_action(conversation_state state, conversation_action action) {
  switch (state) {
    case pb::CONVERSATION_STATE_QUEUED:
      switch (action) {
        case conversation_action::agent_message:
        case conversation_action::transfer:
          return conflict("conversation is not assigned");
        case conversation_action::rate:
          return conflict("conversation is not closed");
        default:
          return std::nullopt;
      }
    case pb::CONVERSATION_STATE_ASSIGNED:
      if (action == conversation_action::rate) return conflict("conversation is not closed");
      return std::nullopt;
    case pb::CONVERSATION_STATE_CLOSED:
      if (action == conversation_action::rate) return std::nullopt;
      return conflict("conversation is closed");
    default:
      return conflict("conversation has no state");
  }
}

std::optional<conversation_state> next_state(conversation_state state,
                                             conversation_transition transition) {
  switch (transition) {
    case conversation_transition::assign:
      if (state == pb::CONVERSATION_STATE_QUEUED) return pb::CONVERSATION_STATE_ASSIGNED;
      break;
    case conversation_transition::transfer_to_agent:
      if (state == pb::CONVERSATION_STATE_ASSIGNED) return pb::CONVERSATION_STATE_ASSIGNED;
      break;
    case conversation_transition::requeue:
      if (state == pb::CONVERSATION_STATE_ASSIGNED) return pb::CONVERSATION_STATE_QUEUED;
      break;
    case conversation_transition::close:
      if (state == pb::CONVERSATION_STATE_QUEUED || state == pb::CONVERSATION_STATE_ASSIGNED) {
        return pb::CONVERSATION_STATE_CLOSED;
      }
      break;
  }
  return std::nullopt;
}

conversation_state state_after(conversation_state state, const pb::ChatEvent& event) {
  std::optional<conversation_transition> t;
  switch (event.kind()) {
    case pb::EVENT_KIND_ASSIGNED:
      t = conversation_transition::assign;
      break;
    case pb::EVENT_KIND_TRANSFERRED:
      t = event.agent_id().empty() ? conversation_transition::requeue
                                   : conversation_transition::transfer_to_agent;
      break;
    case pb::EVENT_KIND_REQUEUED:
      t = conversation_transition::requeue;
      break;
    case pb::EVENT_KIND_CLOSED:
      t = conversation_transition::close;
      break;
    default:
      return state;
  }
  return next_state(state, *t).value_or(state);
}

bool staff_only(livechat::v1::EventKind kind) {
  return kind == livechat::v1::EVENT_KIND_NOTE || kind == livechat::v1::EVENT_KIND_TAGGED ||
         kind == livechat::v1::EVENT_KIND_MONITORED || kind == livechat::v1::EVENT_KIND_NAVIGATED;
}

}  // namespace lc::core
