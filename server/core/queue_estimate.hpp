#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace lc::core {

// The recent queue waits of one department (joined -> assigned), and from them how fast its
// queue moves while visitors wait: the rate at which slots free up for the next in line.
// Only waits of visitors who actually queued count: an instant assignment says there was a free
// slot, nothing about how fast one frees up. Stale observations (older than the horizon) and
// all but the newest `capacity` are dropped, so the rate follows the staffing of the hour.
class wait_observer {
 public:
  static constexpr std::size_t capacity = 64;
  static constexpr std::int64_t horizon_ms = 30LL * 60 * 1000;
  // With fewer queued visitors observed than this, the rate comes from the median wait per
  // queue position instead of the total throughput (one long service would skew a mean).
  static constexpr std::size_t min_for_throughput = 8;
  // Waits shorter than this were the matcher's latency, not a queue.
  static constexpr std::int64_t queued_ms = 1000;

  void on_assignment(std::int64_t assigned_ms, std::int64_t waited_ms);
  // Queue positions served per second while visitors wait, as of now_ms; 0 when no queued
  // visitor was assigned within the horizon.
  double per_second(std::int64_t now_ms) const;
  // Queued visitors observed within the horizon.
  std::size_t observations(std::int64_t now_ms) const;

 private:
  struct wait {
    std::int64_t joined_ms = 0, assigned_ms = 0;
    std::uint32_t position = 1;  // at join: the observed visitors still waiting then, plus one
  };
  std::deque<wait> waits_;  // in order of assignment
};

struct queue_snapshot {
  std::uint32_t position = 0;    // 1 = next
  std::uint32_t free_slots = 0;  // free chat slots of online agents in the department
  std::uint32_t agents_online = 0;
  double assignments_per_second = 0.0;  // wait_observer::per_second; 0 when nothing observed
};

// Estimated seconds until assignment. Zero when a free slot is waiting for this visitor;
// otherwise the visitors ahead of the free slots divided by the observed rate, capped at 3600.
// With nothing observed yet, a modest guess: `default_seconds_per_chat` per position spread
// over the online agents, capped at 600 (a first visitor is not told minutes on no evidence).
std::uint32_t estimate_wait_seconds(const queue_snapshot& q,
                                    double default_seconds_per_chat = 30.0);

}  // namespace lc::core
