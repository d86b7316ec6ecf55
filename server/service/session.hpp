#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/core/conversation_state.hpp"
#include "server/core/delivery_cursor.hpp"
#include "server/core/metrics.hpp"
#include "server/core/rate_limiter.hpp"
#include "server/core/token.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/options.hpp"
#include "server/service/session_index.hpp"
#include "server/service/transport.hpp"

namespace lc::service {

class session;

// Told of what happens on a session; implemented by the service's composition root.
class session_owner {
 public:
  virtual ~session_owner() = default;
  virtual void on_request(session& s) = 0;   // a request was queued
  virtual void on_closed(session& s) = 0;    // once, after the session let go of everything
  virtual void on_writable(session& s) = 0;  // the send queue drained (see notify_writable)
};

// One session following one conversation: the delivery cursor and what the session knows of
// the conversation. Registered in the followers index for as long as it exists.
struct follow {
  follow(const std::shared_ptr<session_index>& followers, const std::string& conversation,
         std::uint64_t session_id, std::uint64_t token, core::delivery_cursor cursor)
      : token(token), cursor(std::move(cursor)), entry_(followers, conversation, session_id) {}

  // Unique per follow: a read begun for an earlier follow of the same conversation finds a
  // different token when it returns, and is discarded.
  const std::uint64_t token;
  core::delivery_cursor cursor;
  // As far as the pushed events tell; lets requests in the wrong state fail without Redis.
  core::conversation_state state = livechat::v1::CONVERSATION_STATE_UNSPECIFIED;
  std::string department;              // visitors: for Assigned and the queue status
  std::uint64_t assignment_epoch = 0;  // agents: the assignment they were given (fences writes)
  std::uint32_t shown_position = 0;    // visitors: the queue status last pushed, so an
  std::uint32_t shown_wait_s = 0;      // unchanged one is not sent again

 private:
  index_entry entry_;
};

// A visitor's page as the invitation rules see it: kept only for visitors who reported one.
struct site_page {
  std::string url;
  std::int64_t since_ms = 0;  // on this URL since (this node's wall clock)
  std::uint32_t previous_chats = 0;
  std::string shown_invitation;          // the last Invitation pushed to this session
  std::int64_t invitation_until_ms = 0;  // and when it expires (Redis clock)
  std::vector<std::string> rules_tried;  // rules tried on this page (each once per page)
};

// The service's side of one client connection: who it is (after Hello), the conversations it
// follows, and the requests waiting to be handled. Requests are handled one at a time, in order,
// so a client's messages are persisted in the order sent. It closes once and for ever: a closed
// session follows nothing, can follow nothing again, and sends nothing.
class session final : public connection_handler, public std::enable_shared_from_this<session> {
 public:
  session(std::uint64_t id, std::shared_ptr<client_link> link, session_owner& owner,
          const service_options& options, core::metrics_registry& metrics);
  ~session() override;

  // connection_handler (called by server/net)
  void on_frame(std::string_view bytes) override;
  void on_close() override;
  void on_writable() override;

  std::uint64_t id() const { return id_; }
  bool closed() const { return closed_; }

  // Who it is, once Hello succeeded; registers it under its user id in `users`.
  void identify(livechat::v1::Role role, std::string user_id, std::string display_name,
                const std::shared_ptr<session_index>& users);
  void set_agent_claims(core::agent_claims claims) { agent_ = std::move(claims); }
  livechat::v1::Role role() const { return role_; }
  const std::string& user_id() const { return user_id_; }
  const std::string& display_name() const { return display_name_; }
  void set_display_name(std::string name) { display_name_ = std::move(name); }
  const core::agent_claims& agent() const { return agent_; }                   // agents only
  const std::string& open_conversation() const { return open_conversation_; }  // visitors only
  void set_open_conversation(std::string conv) { open_conversation_ = std::move(conv); }
  // Welcome was sent: pushes for this session may go out (nothing may precede the Welcome).
  bool welcomed() const { return welcomed_; }
  // Also lifts the connection's pre-Hello bounds; an agent's stops counting for its address.
  void mark_welcomed() {
    welcomed_ = true;
    link_->hello_done(role_ != livechat::v1::ROLE_AGENT);
  }

  // Following conversations. follow_conversation returns the existing follow when there is
  // one, and nothing once the session is closed.
  follow* follow_conversation(const std::string& conv, core::delivery_cursor cursor,
                              const std::shared_ptr<session_index>& followers);
  follow* find_follow(const std::string& conv);
  // The follow with this token, if it is still the current one.
  follow* find_follow(const std::string& conv, std::uint64_t token);
  // Ends the follow; the conversation stays known as recently followed (see below).
  void unfollow(const std::string& conv);
  // Followed now or among the last few that ended (closed or moved away): receipts and ratings
  // trail the close, and only for these do they go on to the store.
  bool followed_recently(const std::string& conv) const;
  // A closed conversation of this visitor's found on resume, with nothing left to deliver.
  void remember_ended(const std::string& conv);
  std::vector<std::string> followed() const;

  // Sending. Everything is dropped once closed.
  void send(const livechat::v1::ServerEnvelope& envelope);
  void send(const frame& f);
  void send_error(std::uint64_t request_id, livechat::v1::ErrorCode code, const std::string& text);
  std::size_t send_room() const;
  void notify_writable() { link_->notify_writable(); }
  void close(std::uint16_t code, std::string_view reason) { link_->close(code, reason); }
  // The client's address, which per-address limits count by.
  const std::string& address() const { return link_->address(); }

  // Requests waiting to be handled.
  std::optional<livechat::v1::ClientEnvelope> next_request();
  // True when the caller is now the one handler of this session's requests.
  bool begin_handling();
  void end_handling() { handling_ = false; }
  void request_succeeded() { consecutive_errors_ = 0; }
  // Sneak peek: true (and the time noted) when the last draft passed on is `every_ms` old.
  bool draft_due(std::int64_t now_ms, std::int64_t every_ms) {
    if (now_ms - last_draft_ms_ < every_ms) return false;
    last_draft_ms_ = now_ms;
    return true;
  }
  // A visitor's PageView: true (and noted) when the last one is `every_ms` old; from then on the
  // session is on the site (the node's heartbeat keeps it in the live visitor list).
  bool page_view_due(std::int64_t now_ms, std::int64_t every_ms) {
    if (on_site_ && now_ms - last_page_view_ms_ < every_ms) return false;
    last_page_view_ms_ = now_ms;
    on_site_ = true;
    return true;
  }
  bool on_site() const { return on_site_; }
  // The page a visitor is on (made on first use), or null before their first PageView.
  site_page& page() {
    if (!page_) page_ = std::make_unique<site_page>();
    return *page_;
  }
  site_page* page_if() { return page_.get(); }
  // Visitors: the departments the widget offers (Hello.departments; empty: not said).
  const std::vector<std::string>& widget_departments() const { return widget_departments_; }
  void set_widget_departments(std::vector<std::string> d) { widget_departments_ = std::move(d); }

 private:
  const std::uint64_t id_;
  std::shared_ptr<client_link> link_;
  session_owner& owner_;
  core::metrics_registry& metrics_;

  livechat::v1::Role role_ = livechat::v1::ROLE_UNSPECIFIED;
  std::string user_id_;
  std::string display_name_;
  core::agent_claims agent_;
  std::string open_conversation_;
  std::optional<index_entry> user_entry_;
  std::map<std::string, follow> follows_;
  std::vector<std::string> ended_;  // the last max_ended ended follows, oldest first
  std::uint64_t next_token_ = 1;

  // A vector, not a deque: an empty deque still allocates, and most connections sit idle.
  std::vector<livechat::v1::ClientEnvelope> inbox_;
  core::rate_limiter limiter_;
  int consecutive_errors_ = 0;
  std::int64_t last_draft_ms_ = 0;
  std::int64_t last_page_view_ms_ = 0;
  std::unique_ptr<site_page> page_;
  std::vector<std::string> widget_departments_;
  bool handling_ = false;
  bool on_site_ = false;
  bool welcomed_ = false;
  bool closed_ = false;
};

using session_ptr = std::shared_ptr<session>;

}  // namespace lc::service
