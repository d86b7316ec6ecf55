#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/core/conversation_state.hpp"
#include "server/core/metrics.hpp"
#include "server/core/queue_estimate.hpp"
#include "server/service/options.hpp"
#include "server/service/session.hpp"
#include "server/service/transport.hpp"
#include "server/store/chat_store.hpp"
#include "server/store/redis_subscriber.hpp"

namespace lc::service {

class rest_api;

// The chat service of one node: authenticates connections, turns requests into store calls,
// delivers conversation events (woken by Pub/Sub, read from the streams), keeps queue
// positions current, and runs the periodic matching, grace sweeps and lease renewal.
class chat_service : public frontend {
 public:
  chat_service(boost::asio::io_context& io, store::redis_connection& redis,
               store::endpoint redis_endpoint, service_options options);
  ~chat_service() override;

  void start();
  // Graceful drain: tell every client to reconnect elsewhere and stop the periodic work.
  void drain();
  // After drain(): waits (bounded) for in-flight requests, releases the node lease, then `done`.
  void finish_drain(std::chrono::milliseconds max_wait, std::function<void()> done);

  std::shared_ptr<connection_handler> open(std::shared_ptr<client_link> link) override;
  void handle_http(http_request request, std::function<void(http_response)> done) override;
  std::size_t max_frame_bytes() const override { return options_.limits.max_frame_bytes; }

  bool ready() const;
  boost::asio::io_context& io() { return io_; }
  const service_options& options() const { return options_; }
  core::metrics_registry& metrics() { return metrics_; }
  store::chat_store& store() { return store_; }
  std::size_t connected(livechat::v1::Role role) const;

 private:
  friend class session;
  using task = boost::asio::awaitable<void>;
  using session_ptr = std::shared_ptr<session>;

  // Requests.
  void on_session_frame(const session_ptr& s);
  void on_session_closed(const session_ptr& s);
  task drain_inbox(session_ptr s);
  task handle(session_ptr s, livechat::v1::ClientEnvelope req);
  task on_hello(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_join(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_send(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_receipt(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_typing(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_presence(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_transfer(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_close(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_rate(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_offline_message(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task on_list_offline(session_ptr s, const livechat::v1::ClientEnvelope& req);
  task resume_conversation(session_ptr s, std::string conv, std::uint64_t after_seq);
  task disconnected(std::string user_id, livechat::v1::Role role, std::string conv);
  void send_ack(session& s, std::uint64_t request_id, const std::string& conv,
                std::uint64_t seq = 0);

  // Delivery.
  void on_pubsub(const std::string& channel, std::string payload);
  void on_event(const std::string& conv, const livechat::v1::ChatEvent& event,
                const std::string& origin);
  void deliver(session& s, follow_state& f, const livechat::v1::ChatEvent& event,
               const std::string& origin);
  task catch_up(session_ptr s, std::string conv);
  void catch_up_everything();
  void follow(session& s, const std::string& conv, std::uint64_t next_seq,
              core::conversation_state state);
  // Refuses a request the followed conversation's state does not allow (core state machine);
  // conversations this connection does not follow are left to the store's own checks.
  bool refused_locally(session& s, std::uint64_t request_id, const std::string& conv,
                       core::conversation_action action);
  void unfollow(session& s, const std::string& conv);
  task push_assigned(session_ptr s, std::string conv, std::uint64_t after_seq);
  void on_assigned(const std::string& conv, const std::string& agent);
  void on_unassigned(const std::string& conv, const std::string& agent);
  void for_conv(const std::string& conv, const std::function<void(session&)>& f);

  // Queue, matching, periodic work.
  void mark_queue_dirty(const std::string& department);
  task flush_queue_status();
  void request_match(const std::string& department);
  task run_match(std::string department);
  void do_tick();
  task tick();
  task tick_once();
  task finalize(std::string conv);
  task renew_lease();
  // The lease was lost (the process was paused or cut off past its TTL): everything this node
  // believed about its clients may be stale, so it drops them (they reconnect and resume from
  // Redis) and rejoins with a new epoch.
  void fenced();
  task release_when_idle(std::chrono::steady_clock::time_point deadline,
                         std::function<void()> done);
  void spawn(task t, const char* what);

  boost::asio::io_context& io_;
  store::redis_connection& redis_;
  store::chat_store store_;
  // Matching has its own connection: on the shared one a match call would wait behind every
  // pipelined join of a burst, while Redis serves its connections in turn.
  store::redis_connection match_redis_;
  store::chat_store match_store_;
  std::unique_ptr<store::redis_subscriber> subscriber_;
  service_options options_;
  core::metrics_registry metrics_;
  std::unique_ptr<rest_api> rest_;

  std::unordered_map<std::string, std::set<session*>> by_conv_;
  std::unordered_map<std::string, std::set<session*>> by_agent_;
  std::unordered_map<std::string, std::set<session*>> by_visitor_;
  std::set<session*> sessions_;
  std::map<std::string, std::set<std::string>> queued_local_;  // department -> conversations
  std::map<std::string, std::string> queued_department_;       // conversation -> department
  std::set<std::string> dirty_departments_;
  bool queue_flush_scheduled_ = false;
  std::map<std::string, core::assignment_rate> assignment_rates_;
  std::set<std::string> matching_, match_again_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer queue_timer_;
  std::uint64_t next_session_ = 1;
  std::int64_t lease_epoch_ = 0;  // 0: no lease held yet
  std::size_t in_flight_ = 0;     // connections with requests being handled
  bool draining_ = false;
  bool ticking_ = false;
  bool stopped_ = false;
};

}  // namespace lc::service
