#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "livechat/v1/livechat.pb.h"
#include "server/core/conversation_state.hpp"
#include "server/service/client_limits.hpp"
#include "server/service/connections.hpp"
#include "server/service/context.hpp"

namespace lc::service {

class board_feed;
class delivery;
class matcher;
class monitor;
class node;
class queue_status;

// Handles what clients ask, one request at a time per session and in the order sent: checks it
// (core::validate_request, then the conversation's state as this session knows it) before
// anything reaches Redis, makes the one store call that does it atomically, and answers with an
// Ack, a typed reply or an Error carrying the request id. One handler per request type. Also
// tells the store when a user's last connection here is gone (their grace period starts).
// What a supervisor may act on without holding the chat, as the store checks it: "*" for an
// admin (every department), else their departments, comma-separated.
std::string supervision_scope(const core::agent_claims& who);

class requests {
 public:
  requests(const service_context& ctx, connections& conns, delivery& deliver, queue_status& queue,
           matcher& match, node& self, monitor& watching, board_feed& board);

  // A request was queued on the session.
  void on_request(session& s);
  // The session closed.
  void on_closed(session& s);
  // Sessions with a request being handled (a drain waits for these).
  std::size_t in_flight() const { return in_flight_; }

 private:
  using request = livechat::v1::ClientEnvelope;

  task handle_queue(session_ptr s);
  task handle(session_ptr s, request req);
  // Validates the request and answers those that need no store (ping, errors): false when
  // nothing is left to do.
  bool admit(session& s, const request& req);
  // The request's own handler.
  task dispatch(session_ptr s, request req);

  task hello(session_ptr s, request req);
  task hello_agent(session_ptr s, request req, core::agent_claims claims);
  task hello_visitor(session_ptr s, request req, std::string visitor);
  task resume_visitor(session_ptr s, std::string conv, std::uint64_t after_seq, bool is_open);
  task resume_agent(session_ptr s, std::map<std::string, std::uint64_t> resume,
                    std::vector<std::string> assigned);
  task join(session_ptr s, request req);
  task send_message(session_ptr s, request req);
  task receipt(session_ptr s, request req);
  task typing(session_ptr s, request req);
  task presence(session_ptr s, request req);
  task transfer(session_ptr s, request req);
  task close_conversation(session_ptr s, request req);
  task rate(session_ptr s, request req);
  task leave_offline_message(session_ptr s, request req);
  task list_offline_messages(session_ptr s, request req);
  task email_transcript(session_ptr s, request req);
  task set_tags(session_ptr s, request req);
  task watch(session_ptr s, request req);
  task barge_in(session_ptr s, request req);
  task follow_board(session_ptr s, request req);
  // request_site.cpp: where a visitor is on the site (the live visitor list).
  task page_view(session_ptr s, request req);
  task invite(session_ptr s, request req);
  task decline_invitation(session_ptr s, request req);
  boost::asio::awaitable<std::optional<store::conversation_record>> supervisable(
      session_ptr s, std::uint64_t request_id, std::string conv);
  // Who did what to a conversation, in the audit log (when there is a system of record).
  void audit(const session& s, const char* action, const std::string& conv,
             std::string detail_json) const;
  task user_left(livechat::v1::Role role, std::string user_id, std::string conv);

  void ack(session& s, std::uint64_t request_id, const std::string& conv, std::uint64_t seq = 0);
  // The department the request names when the operator did not define it.
  std::optional<std::string> unknown_department(const request& req) const;
  // The follow of a conversation the session may act on, or an Error (NOT_FOUND when it does
  // not follow it, the state machine's CONFLICT when `action` is not allowed now) and nothing.
  follow* acting_on(session& s, std::uint64_t request_id, const std::string& conv,
                    core::conversation_action action);

  // True, with the visitor told (FORBIDDEN, in neutral words), when a ban is in force on the
  // visitor, their address or the email they give.
  boost::asio::awaitable<bool> banned(session& s, std::uint64_t request_id, std::string email);

  // Some webhook wants `event` (build its payload only then).
  bool wanted(std::string_view event) const;

  // The tags a request names that the team does not offer (empty: all offered, or no system of
  // record to ask); throws when the system of record failed.
  boost::asio::awaitable<std::vector<std::string>> tags_not_offered(std::vector<std::string> tags);

  const service_context& ctx_;
  connections& conns_;
  delivery& deliver_;
  queue_status& queue_;
  matcher& match_;
  node& node_;
  monitor& monitor_;
  board_feed& board_;
  client_limits limits_;
  std::size_t in_flight_ = 0;
};

}  // namespace lc::service
