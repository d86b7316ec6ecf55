#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/core/conversation_state.hpp"
#include "server/core/rate_limiter.hpp"
#include "server/core/token.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/transport.hpp"

namespace lc::service {

class chat_service;

// How far one connection has read one conversation: the next seq it must receive. Events are
// pushed strictly in seq order; a gap is filled from the stream before anything newer.
struct follow_state {
  std::uint64_t next_seq = 1;
  // As far as the delivered events tell; lets requests in the wrong state fail without Redis.
  core::conversation_state state = livechat::v1::CONVERSATION_STATE_UNSPECIFIED;
  bool catching_up = false;
  std::uint64_t newest_seen = 0;     // highest seq announced while a catch-up was running
  std::string assignment_epoch;      // agents: the assignment they were given (fences their writes)
  std::uint32_t shown_position = 0;  // visitors: the queue position and ETA last pushed, so an
  std::uint32_t shown_wait_s = 0;    // unchanged status is not sent again
};

// One client connection: who it is, what it follows, and the requests waiting to be handled.
// Requests of one connection are handled one at a time, in order, so a client's messages are
// persisted in the order it sent them.
class session : public connection_handler, public std::enable_shared_from_this<session> {
 public:
  session(chat_service& service, std::shared_ptr<client_link> link, std::string origin);

  void on_frame(std::string_view bytes) override;
  void on_close() override;

  void send(const livechat::v1::ServerEnvelope& envelope);
  void send(const frame& f);
  void send_error(std::uint64_t request_id, livechat::v1::ErrorCode code, const std::string& text);
  void close(std::uint16_t code, std::string_view reason) { link_->close(code, reason); }
  bool closed() const { return closed_; }

  livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
  std::string user_id;
  std::string display_name;
  core::agent_claims agent;       // agents only
  std::string open_conversation;  // visitors only
  std::map<std::string, follow_state> follows;
  const std::string origin;  // "<node>/<n>": marks this connection's own messages

 private:
  friend class chat_service;
  chat_service& service_;
  std::shared_ptr<client_link> link_;
  // A vector, not a deque: an empty deque still allocates, and most connections sit idle.
  std::vector<livechat::v1::ClientEnvelope> inbox_;
  bool draining_ = false;
  bool closed_ = false;
  int consecutive_errors_ = 0;
  core::rate_limiter limiter_;
};

}  // namespace lc::service
