#include "server/core/queue_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace lc::core {

namespace {

constexpr double max_wait_s = 3600;
constexpr double max_guess_s = 600;

}  // namespace

void wait_observer::on_assignment(std::int64_t assigned_ms, std::int64_t waited_ms) {
  if (waited_ms < queued_ms) return;
  wait w{assigned_ms - waited_ms, assigned_ms, 1};
  // The queue is served in order, so whoever joined before (or in the same millisecond, and
  // was assigned first) and was still waiting stood ahead.
  for (const auto& other : waits_) {
    if (other.joined_ms <= w.joined_ms && other.assigned_ms > w.joined_ms) ++w.position;
  }
  waits_.push_back(w);
  if (waits_.size() > capacity) waits_.pop_front();
}

std::size_t wait_observer::observations(std::int64_t now_ms) const {
  return static_cast<std::size_t>(std::count_if(waits_.begin(), waits_.end(), [&](const wait& w) {
    return w.assigned_ms >= now_ms - horizon_ms;
  }));
}

double wait_observer::per_second(std::int64_t now_ms) const {
  std::vector<wait> recent;
  for (const auto& w : waits_) {
    if (w.assigned_ms >= now_ms - horizon_ms) recent.push_back(w);
  }
  if (recent.empty()) return 0.0;
  if (recent.size() < min_for_throughput) {
    // Each queued visitor waited for `position` slots to free up: their wait per position,
    // as the median, so one visitor held up by a long chat does not speak for the rest.
    std::vector<double> per_position;
    per_position.reserve(recent.size());
    for (const auto& w : recent) {
      per_position.push_back(static_cast<double>(w.assigned_ms - w.joined_ms) / w.position);
    }
    std::sort(per_position.begin(), per_position.end());
    const std::size_t n = per_position.size();
    const double median_ms =
        n % 2 == 1 ? per_position[n / 2] : (per_position[n / 2 - 1] + per_position[n / 2]) / 2;
    return 1000.0 / median_ms;
  }
  // Throughput while someone waited: the assignments after the oldest one kept, over the time
  // since then during which a visitor was waiting (the union of the waits). Time nobody waited
  // says nothing about how fast slots free up, and visitors before the oldest kept one were
  // served inside its wait without being counted, hence the start at its assignment.
  const auto oldest = std::min_element(
      recent.begin(), recent.end(), [](auto& a, auto& b) { return a.assigned_ms < b.assigned_ms; });
  const std::int64_t since = oldest->assigned_ms;
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  spans.reserve(recent.size());
  for (auto it = recent.begin(); it != recent.end(); ++it) {
    if (it != oldest) spans.emplace_back(std::max(it->joined_ms, since), it->assigned_ms);
  }
  std::sort(spans.begin(), spans.end());
  std::int64_t busy_ms = 0, covered_to = since;
  for (const auto& [from, to] : spans) {
    const auto start = std::max(from, covered_to);
    if (to > start) busy_ms += to - start;
    covered_to = std::max(covered_to, to);
  }
  if (busy_ms <= 0) return 0.0;  // every wait ended at once: no duration to divide by
  return static_cast<double>(spans.size()) * 1000.0 / static_cast<double>(busy_ms);
}

std::uint32_t estimate_wait_seconds(const queue_snapshot& q, double default_seconds_per_chat) {
  if (q.position == 0 || q.position <= q.free_slots) return 0;
  const double ahead = static_cast<double>(q.position - q.free_slots);
  double seconds = 0;
  if (q.assignments_per_second > 1e-6) {
    seconds = std::min(max_wait_s, ahead / q.assignments_per_second);
  } else {
    const double agents = std::max(1.0, static_cast<double>(q.agents_online));
    seconds = std::min(max_guess_s, ahead * default_seconds_per_chat / agents);
  }
  if (!(seconds >= 0)) return static_cast<std::uint32_t>(max_wait_s);  // NaN
  return static_cast<std::uint32_t>(std::ceil(seconds));
}

}  // namespace lc::core
