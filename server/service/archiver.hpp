#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

#include "server/record/archive.hpp"
#include "server/service/context.hpp"

namespace lc::service {

// Moves closed conversations into the system of record. For each: read the conversation and its
// stream from Redis, run the core clock, write the whole record to PostgreSQL in one idempotent
// transaction (on the record pool's threads, never on the loop), then let Redis expire its keys.
// Every tick it catches up with what is still pending — a dead node's conversations, or those
// that waited while PostgreSQL was down — reports the backlog, and applies retention. Without a
// system of record (ctx.record null) it does nothing and Redis keeps everything.
class archiver {
 public:
  explicit archiver(const service_context& ctx) : ctx_(ctx) {}

  // Archives the closed conversation (again, when rated since); one run per conversation at a
  // time on this node.
  void archive(const std::string& conv);
  // The periodic part: backlog metrics and catch-up, retention (every retention_every).
  void tick();
  // PostgreSQL unreachable, or closed conversations waiting longer than they should.
  bool degraded() const;

 private:
  task run(std::string conv);
  task catch_up();
  task backfill();
  task retention();

  // What the coroutines in flight mark and unmark. Shared with their guards: a coroutine still
  // suspended when the loop is torn down (at exit) is destroyed after the archiver is.
  struct marks {
    std::unordered_set<std::string> running;
    bool catching_up = false, retaining = false, backfilling = false;
  };

  const service_context& ctx_;
  std::shared_ptr<marks> marks_ = std::make_shared<marks>();
  bool backfill_done_ = false;
  std::int64_t oldest_pending_ms_ = 0;  // wall clock; 0 when nothing waits
  std::chrono::steady_clock::time_point next_retention_{};
};

// The archive of a closed conversation from what Redis holds: its hash, its events in seq order
// and the core clock's measurements of them (plus the rating's). Pure, tested without I/O.
record::conversation_archive build_archive(const store::conversation_record& c,
                                           const std::vector<livechat::v1::ChatEvent>& events,
                                           std::int64_t now_ms);

}  // namespace lc::service
