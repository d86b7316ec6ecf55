#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "server/service/connections.hpp"
#include "server/service/context.hpp"

namespace lc::service {

class archiver;
class matcher;
class queue_status;

// This process as one node of the cluster: holds its lease (with the fencing epoch its writes
// carry) and runs the periodic work every node shares — lease renewal, grace sweeps, matching for
// every department, the archiver's catch-up (closed conversations a dead node left pending), the
// departments' settings from the system of record and their idle policy for this node's agents.
// Drains on request. A node that finds its lease gone drops every connection (its view
// of them may be stale; clients resume from Redis) and rejoins under a new epoch.
class node {
 public:
  node(const service_context& ctx, connections& conns, matcher& match, queue_status& queue,
       archiver& archive);

  void start();
  // Redis (the shared connection) became ready: tick now rather than at the next period.
  void on_redis_ready();
  bool has_lease() const { return lease_epoch_ != 0; }
  bool draining() const { return draining_; }
  // Graceful drain, step 1: stop the periodic work and tell every client to reconnect elsewhere.
  void drain();
  // Step 2: once no request is in flight (or at `deadline`), release the lease, then `done`.
  void finish_drain(std::chrono::steady_clock::time_point deadline,
                    std::function<std::size_t()> in_flight, std::function<void()> done);
  // Hands a closed (or newly rated) conversation to the archiver.
  void archive(const std::string& conv);

 private:
  void schedule_tick();
  task tick();
  task tick_once();
  task renew_lease();
  task refresh_departments();
  // Every 10 s: the visitors connected here stay in the live visitor list.
  task keep_site_visitors();
  task close_idle_chats();
  void lease_lost();
  task release_when_idle(std::chrono::steady_clock::time_point deadline,
                         std::function<std::size_t()> in_flight, std::function<void()> done);

  const service_context& ctx_;
  connections& conns_;
  matcher& match_;
  queue_status& queue_;
  archiver& archiver_;
  boost::asio::steady_timer tick_timer_;
  std::int64_t lease_epoch_ = 0;  // 0: no lease held
  bool ticking_ = false;
  bool departments_seeded_ = false;
  std::chrono::steady_clock::time_point departments_read_{}, idle_checked_{}, site_kept_{};
  bool draining_ = false;
};

}  // namespace lc::service
