#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "server/core/metrics.hpp"
#include "server/service/archiver.hpp"
#include "server/service/ban_desk.hpp"
#include "server/service/board_feed.hpp"
#include "server/service/connections.hpp"
#include "server/service/context.hpp"
#include "server/service/delivery.hpp"
#include "server/service/file_desk.hpp"
#include "server/service/invitation_desk.hpp"
#include "server/service/mail_desk.hpp"
#include "server/service/matcher.hpp"
#include "server/service/monitor.hpp"
#include "server/service/node.hpp"
#include "server/service/options.hpp"
#include "server/service/queue_status.hpp"
#include "server/service/requests.hpp"
#include "server/service/rest_api.hpp"
#include "server/service/transport.hpp"
#include "server/service/webhook_desk.hpp"
#include "server/store/ban_store.hpp"
#include "server/store/chat_reads.hpp"
#include "server/store/chat_store.hpp"
#include "server/store/redis_subscriber.hpp"

namespace lc::service {

// The chat service of one node, as server/net sees it (a frontend): the composition root that
// owns the rooms and wires them together. It holds no logic of its own beyond routing: a frame
// goes to requests, a Pub/Sub wake-up to delivery (queue changes to queue status), a closed
// connection to requests, a drained one to delivery.
class chat_service final : public frontend, private session_owner {
 public:
  // `record`: the system of record (outlives the service), or null to run without one.
  chat_service(boost::asio::io_context& io, store::redis_connection& redis,
               store::endpoint redis_endpoint, service_options options,
               record::record_pool* record = nullptr);
  ~chat_service() override;

  void start();
  // Graceful drain: tell every client to reconnect elsewhere and stop the periodic work.
  void drain();
  // After drain(): waits (bounded) for in-flight requests, releases the node lease, then `done`.
  void finish_drain(std::chrono::milliseconds max_wait, std::function<void()> done);
  // Redis up, subscribed, lease held, not draining.
  bool ready() const;
  // Chat works, but the archive is behind or PostgreSQL unreachable.
  bool archive_degraded() const { return archiver_.degraded(); }

  // frontend
  std::shared_ptr<connection_handler> open(std::shared_ptr<client_link> link) override;
  void handle_http(http_request request, std::function<void(http_response)> done) override;
  std::size_t max_frame_bytes() const override { return options_.limits.max_frame_bytes; }
  bool streams_body(std::string_view method, std::string_view path) const override;
  void open_upload(http_request head, std::function<void(upload_start)> ready) override;

  core::metrics_registry& metrics() { return metrics_; }
  const connections& sessions() const { return conns_; }
  // What the Pub/Sub connection delivers. Public so that tests can stage the interleavings
  // Pub/Sub produces (a wake-up before the reply of the write that caused it, a lost one).
  void on_pubsub(const std::string& payload);
  // The departments as routed: tests stage an admin's settings here (the node reads them from
  // the system of record when it has one).
  department_directory& departments() { return departments_; }

 private:
  // session_owner
  void on_request(session& s) override;
  void on_closed(session& s) override;
  void on_writable(session& s) override;

  service_options options_;
  core::metrics_registry metrics_;
  store::redis_connection& redis_;
  store::chat_store store_;
  store::chat_reads reads_;
  store::ban_store ban_keys_;
  department_directory departments_;
  service_context ctx_;
  connections conns_;
  matcher matcher_;
  queue_status queue_;
  delivery delivery_;
  monitor monitor_;
  archiver archiver_;
  node node_;
  ban_desk bans_;
  webhook_desk webhooks_;
  mail_desk mail_;
  file_desk files_;
  invitation_desk invitations_;
  board_feed board_;
  requests requests_;
  rest_api rest_;
  std::unique_ptr<store::redis_subscriber> subscriber_;
  std::uint64_t next_session_ = 1;
};

}  // namespace lc::service
