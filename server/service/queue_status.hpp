#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "server/service/connections.hpp"
#include "server/service/context.hpp"

namespace lc::service {

class matcher;

// Keeps waiting visitors' queue positions and estimated waits current. Conversations queued for
// a visitor on this node are watched per department; a queue change marks the department dirty,
// and dirty departments are flushed in one lc_queue_status call each, at most every 100 ms (every
// second when many visitors wait here, so a join storm does not become a status storm). A
// visitor is sent a status only when their position or estimate changed.
class queue_status {
 public:
  queue_status(const service_context& ctx, connections& conns, const matcher& rates);

  void watch(const std::string& conv, const std::string& department);
  void unwatch(const std::string& conv);
  void mark_dirty(const std::string& department);
  void stop();  // draining: no more flushes

 private:
  task flush();

  const service_context& ctx_;
  connections& conns_;
  const matcher& rates_;
  std::map<std::string, std::set<std::string>> watched_;  // department -> conversations
  std::map<std::string, std::string> department_of_;      // conversation -> department
  std::set<std::string> dirty_;
  boost::asio::steady_timer timer_;
  bool scheduled_ = false;
  bool stopped_ = false;
};

}  // namespace lc::service
