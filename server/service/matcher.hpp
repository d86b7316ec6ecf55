#pragma once

#include <map>
#include <set>
#include <string>

#include "server/core/queue_estimate.hpp"
#include "server/service/context.hpp"
#include "server/store/endpoint.hpp"
#include "server/store/redis_connection.hpp"

namespace lc::service {

// Runs the atomic matching function for departments on request, coalesced per department (one
// call running, one pending), and keeps each department's observed queue waits for the queue
// estimates. Matching has its own Redis connection: on the shared one a match call would
// wait behind every pipelined join of a burst, while Redis serves its connections in turn. The
// reads that build an agent's Assigned use it too (reads()).
class matcher {
 public:
  matcher(const service_context& ctx, store::endpoint redis_endpoint);

  void start() { redis_.start(); }
  void request(const std::string& department);
  void stop() { stopped_ = true; }
  double assignments_per_second(const std::string& department, std::int64_t now_ms) const;
  // The matching connection's reads when it is up, else the shared connection's.
  store::chat_reads& reads() { return redis_.ready() ? reads_ : ctx_.reads; }

 private:
  task run(std::string department);

  const service_context& ctx_;
  store::redis_connection redis_;
  store::chat_store store_;
  store::chat_reads reads_;
  std::map<std::string, core::wait_observer> rates_;
  std::set<std::string> running_, again_;
  bool stopped_ = false;
};

}  // namespace lc::service
