#include "server/core/request_roles.hpp"

#include <string>

namespace lc::core {

namespace {

namespace pb = livechat::v1;
using body = pb::ClientEnvelope::BodyCase;

const char* role_name(pb::Role role) {
  switch (role) {
    case pb::ROLE_VISITOR:
      return "visitors";
    case pb::ROLE_AGENT:
      return "agents";
    case pb::ROLE_ADMIN:
      return "admins";
    case pb::ROLE_SYSTEM:
      return "system";
    default:
      return "this role";
  }
}

bool visitor_may(body b) {
  switch (b) {
    case body::kJoin:
    case body::kSend:
    case body::kReceipt:
    case body::kTyping:
    case body::kClose:
    case body::kRate:
    case body::kOfflineMessage:
    case body::kEmailTranscript:
    case body::kPageView:
    case body::kDeclineInvitation:
    case body::kPing:
      return true;
    default:
      return false;
  }
}

bool agent_may(body b) {
  switch (b) {
    case body::kSend:
    case body::kReceipt:
    case body::kTyping:
    case body::kPresence:
    case body::kTransfer:
    case body::kClose:
    case body::kListOfflineMessages:
    case body::kSetTags:
    case body::kWatch:
    case body::kBargeIn:
    case body::kFollowBoard:
    case body::kInvite:
    case body::kPing:
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* request_name(body b) {
  switch (b) {
    case body::kHello:
      return "hello";
    case body::kJoin:
      return "join";
    case body::kSend:
      return "send";
    case body::kReceipt:
      return "receipt";
    case body::kTyping:
      return "typing";
    case body::kPresence:
      return "presence";
    case body::kTransfer:
      return "transfer";
    case body::kClose:
      return "close";
    case body::kRate:
      return "rate";
    case body::kOfflineMessage:
      return "offline_message";
    case body::kPing:
      return "ping";
    case body::kListOfflineMessages:
      return "list_offline_messages";
    case body::kSetTags:
      return "set_tags";
    case body::kWatch:
      return "watch";
    case body::kBargeIn:
      return "barge_in";
    case body::kFollowBoard:
      return "follow_board";
    case body::kEmailTranscript:
      return "email_transcript";
    case body::kPageView:
      return "page_view";
    case body::kInvite:
      return "invite";
    case body::kDeclineInvitation:
      return "decline_invitation";
    case body::BODY_NOT_SET:
      break;
  }
  return "unknown";
}

std::optional<error> check_role(body b, pb::Role role) {
  if (role == pb::ROLE_UNSPECIFIED) {
    if (b == body::kHello || b == body::kPing) return std::nullopt;
    return error{pb::ERROR_CODE_UNAUTHENTICATED,
                 std::string("hello required before ") + request_name(b)};
  }
  if (b == body::kHello) return error{pb::ERROR_CODE_CONFLICT, "already said hello"};
  const bool allowed =
      role == pb::ROLE_VISITOR ? visitor_may(b)
      : role == pb::ROLE_AGENT || role == pb::ROLE_ADMIN || role == pb::ROLE_SUPERVISOR
          ? agent_may(b)
          : false;
  if (allowed) return std::nullopt;
  return error{pb::ERROR_CODE_FORBIDDEN,
               std::string(role_name(role)) + " may not send " + request_name(b)};
}

}  // namespace lc::core
