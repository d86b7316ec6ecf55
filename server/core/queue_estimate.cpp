#include "server/core/queue_estimate.hpp"

#include <algorithm>
#include <cmath>

namespace lc::core {

namespace {

constexpr std::uint32_t max_wait_s = 3600;

}  // namespace

// Each event adds ln2/half_life, so a steady stream of r events per second converges to a rate
// of r: the sum of the decayed impulses equals r * integral of 0.5^(t/h) * ln2/h = r.
void assignment_rate::on_assignment(std::int64_t at_ms) {
  rate_ = per_second(at_ms) + std::log(2.0) / half_life_s_;
  if (!seen_ || at_ms > last_ms_) last_ms_ = at_ms;
  seen_ = true;
}

double assignment_rate::per_second(std::int64_t now_ms) const {
  if (!seen_) return 0.0;
  const double elapsed_s =
      static_cast<double>(std::max<std::int64_t>(0, now_ms - last_ms_)) / 1000.0;
  return rate_ * std::pow(0.5, elapsed_s / half_life_s_);
}

std::uint32_t estimate_wait_seconds(const queue_snapshot& q, double default_seconds_per_chat) {
  if (q.position == 0 || q.position <= q.free_slots) return 0;
  const double ahead = static_cast<double>(q.position - q.free_slots);
  double seconds = 0;
  if (q.assignments_per_second > 1e-6) {
    seconds = ahead / q.assignments_per_second;
  } else if (q.agents_online > 0) {
    seconds = ahead * default_seconds_per_chat / static_cast<double>(q.agents_online);
  } else {
    seconds = ahead * default_seconds_per_chat;
  }
  if (!(seconds < max_wait_s)) return max_wait_s;  // also catches NaN
  return static_cast<std::uint32_t>(std::ceil(std::max(0.0, seconds)));
}

}  // namespace lc::core
