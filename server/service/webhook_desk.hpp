#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/core/json_value.hpp"
#include "server/core/token.hpp"
#include "server/outbound/webhook_sender.hpp"
#include "server/service/context.hpp"
#include "server/service/transport.hpp"
#include "server/service/webhook_payloads.hpp"

namespace lc::service {

// Webhooks: admins register endpoints for conversation events (/api/webhooks) and read each
// one's delivery log; the rooms emit events here, which go into the system of record's outbox
// when some endpoint subscribes to them, and this node's sender (outbound::webhook_sender)
// posts them. Which events anyone subscribes to is kept here (re-read every 5 s and after each
// change on this node), so an event nobody wants costs nothing. An event the outbox could not
// take (PostgreSQL down) is kept here, up to a bound, and offered again every 5 s: the outbox's
// unique idempotency key makes a repeat harmless.
class webhook_desk {
 public:
  explicit webhook_desk(const service_context& ctx);
  ~webhook_desk();

  void start();
  void stop();

  // `data_json` (an object) as event `event` with its idempotency key: one delivery per
  // subscribed endpoint, at least once. Fire and forget.
  void emit(std::string_view event, std::string key, const std::string& data_json);
  void emit(webhook_payloads::payload p) { emit(p.event, std::move(p.key), p.data_json); }
  bool wanted(std::string_view event) const { return subscribed_.contains(event); }
  std::uint64_t delivered() const { return sender_ ? sender_->delivered() : 0; }
  std::uint64_t failed_attempts() const { return sender_ ? sender_->failed_attempts() : 0; }

  // /api/webhooks...; nothing for other paths.
  boost::asio::awaitable<std::optional<http_response>> route(const core::agent_claims& who,
                                                             const http_request& request,
                                                             const std::string& path);

 private:
  boost::asio::awaitable<http_response> add(const core::agent_claims& who,
                                            const core::json_value& body);
  boost::asio::awaitable<http_response> change(const core::agent_claims& who, std::int64_t id,
                                               const core::json_value& body);
  boost::asio::awaitable<http_response> remove(const core::agent_claims& who, std::int64_t id);
  boost::asio::awaitable<http_response> list();
  boost::asio::awaitable<http_response> deliveries(std::int64_t id, const std::string& target);
  boost::asio::awaitable<void> refresh();
  void do_schedule_refresh();

  // Events not in the outbox yet, shared with the record pool's callbacks (which may run after
  // this desk is gone).
  struct pending_event {
    std::string event, key, body;
    std::int64_t at_ms = 0;
  };
  struct pending_events {
    std::deque<pending_event> events;
    bool in_flight = false;  // a retry is with the record pool
  };
  // Hands `batch` to the outbox (`retry`: it came from pending_); what it could not take goes
  // back to pending_.
  void enqueue(std::vector<pending_event> batch, bool retry);
  void retry_pending();

  const service_context& ctx_;
  std::unique_ptr<outbound::webhook_sender> sender_;  // null without a system of record
  std::set<std::string, std::less<>> subscribed_;     // less<>: looked up by string_view
  std::shared_ptr<pending_events> pending_ = std::make_shared<pending_events>();
  boost::asio::steady_timer refresh_timer_;
  bool stopped_ = true;
};

}  // namespace lc::service
