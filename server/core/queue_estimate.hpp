#pragma once

#include <cstdint>

namespace lc::core {

// Tracks how fast a department's queue is served, as an exponentially weighted rate of
// assignments per second, to turn a queue position into an estimated wait.
class assignment_rate {
 public:
  explicit assignment_rate(double half_life_seconds = 300.0) : half_life_s_(half_life_seconds) {}

  void on_assignment(std::int64_t at_ms);
  // Assignments per second as of now_ms (decays while nothing is assigned).
  double per_second(std::int64_t now_ms) const;

 private:
  double half_life_s_;
  double rate_ = 0.0;  // per second, as of last_ms_
  std::int64_t last_ms_ = 0;
  bool seen_ = false;
};

struct queue_snapshot {
  std::uint32_t position = 0;    // 1 = next
  std::uint32_t free_slots = 0;  // free chat slots of online agents in the department
  std::uint32_t agents_online = 0;
  double assignments_per_second = 0.0;
};

// Estimated seconds until assignment. Zero when a free slot is waiting for this visitor;
// otherwise the visitors ahead divided by the observed rate; with no rate observed yet, a
// conservative default per position spread over the online agents; capped at 3600.
std::uint32_t estimate_wait_seconds(const queue_snapshot& q,
                                    double default_seconds_per_chat = 180.0);

}  // namespace lc::core
