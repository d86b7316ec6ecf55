#pragma once

#include <memory>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "server/service/connections.hpp"
#include "server/service/context.hpp"
#include "server/service/delivery.hpp"

namespace lc::service {

// Supervisors watching live conversations they do not hold. A watch is a follow like any other
// (history first, then events in seq order, once), but the store wakes only the participants'
// nodes, so every second each watched conversation with a watcher here reads its stream again:
// a watcher on another node than the participants sees an event within a second, one on their
// node at once. Conversations nobody here watches any more are dropped.
class monitor {
 public:
  monitor(const service_context& ctx, connections& conns, delivery& deliver);
  ~monitor();
  monitor(const monitor&) = delete;
  monitor& operator=(const monitor&) = delete;

  // Follows `conv` (state as read from the store) for the session from its start.
  void watch(session& s, const std::string& conv, core::conversation_state state);
  void stop();

 private:
  void schedule();
  void refresh();

  const service_context& ctx_;
  connections& conns_;
  delivery& deliver_;
  boost::asio::steady_timer timer_;
  std::set<std::string> watched_;
  bool scheduled_ = false;
  bool stopped_ = false;
  // The timer's handler runs after its cancellation, possibly once this is gone: it checks.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lc::service
