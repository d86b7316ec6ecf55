#include "server/service/queue_status.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "server/core/queue_estimate.hpp"
#include "server/service/matcher.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {
constexpr std::size_t busy_node_waiting = 500;  // past this many, flush once a second
}  // namespace

queue_status::queue_status(const service_context& ctx, connections& conns, const matcher& rates)
    : ctx_(ctx), conns_(conns), rates_(rates), timer_(ctx.io) {}

void queue_status::watch(const std::string& conv, const std::string& department) {
  auto it = department_of_.find(conv);
  if (it != department_of_.end()) {
    if (it->second == department) return;
    unwatch(conv);  // transferred to another department
  }
  department_of_[conv] = department;
  watched_[department].insert(conv);
}

void queue_status::unwatch(const std::string& conv) {
  auto it = department_of_.find(conv);
  if (it == department_of_.end()) return;
  auto w = watched_.find(it->second);
  if (w != watched_.end()) {
    w->second.erase(conv);
    if (w->second.empty()) watched_.erase(w);
  }
  department_of_.erase(it);
}

void queue_status::mark_dirty(const std::string& department) {
  if (!watched_.contains(department) || stopped_) return;
  dirty_.insert(department);
  if (scheduled_) return;
  scheduled_ = true;
  timer_.expires_after(
      std::chrono::milliseconds(department_of_.size() > busy_node_waiting ? 1000 : 100));
  timer_.async_wait([this](boost::system::error_code ec) {
    scheduled_ = false;
    if (!ec && !stopped_) ctx_.spawn(flush(), "queue status");
  });
}

void queue_status::stop() {
  stopped_ = true;
  timer_.cancel();
}

task queue_status::flush() {
  auto dirty = std::move(dirty_);
  dirty_.clear();
  for (const auto& dept : dirty) {
    auto it = watched_.find(dept);
    if (it == watched_.end()) continue;
    // Conversations no visitor here follows any more are dropped as they are found.
    std::vector<std::string> convs;
    for (const auto& conv : std::set<std::string>(it->second)) {
      if (conns_.followers()->contains(conv)) {
        convs.push_back(conv);
      } else {
        unwatch(conv);
      }
    }
    if (convs.empty()) continue;
    auto info = co_await ctx_.reads.queue_status(dept, convs);
    const auto now = wall_clock_ms();
    const auto rate = rates_.assignments_per_second(dept, now);
    // Nobody online and the department closed (it closed while they waited): not before it opens.
    std::uint32_t closed_s = 0;
    if (const auto* d = ctx_.departments.find(dept); d != nullptr && info.agents_online == 0) {
      if (const auto opens = d->hours.next_opening(now); opens && *opens > now) {
        closed_s = static_cast<std::uint32_t>(
            std::min<std::int64_t>((*opens - now + 999) / 1000, UINT32_MAX));
      }
    }
    for (std::size_t i = 0; i < convs.size() && i < info.ranks.size(); ++i) {
      if (info.ranks[i] < 0) continue;
      const auto position = static_cast<std::uint32_t>(info.ranks[i] + 1);
      const auto wait_s = std::max(
          closed_s,
          core::estimate_wait_seconds({position, info.free_slots, info.agents_online, rate}));
      frame f;  // encoded once, and only if some connection has not seen this status yet
      conns_.for_followers(convs[i], [&](session& s, follow& fl) {
        if (s.role() != pb::ROLE_VISITOR) return;
        if (fl.shown_position == position && fl.shown_wait_s == wait_s) return;
        fl.shown_position = position;
        fl.shown_wait_s = wait_s;
        if (!f) {
          pb::ServerEnvelope env;
          auto* q = env.mutable_queue_status();
          q->set_conversation_id(convs[i]);
          q->set_department(dept);
          q->set_position(position);
          q->set_queue_length(info.length);
          q->set_agents_online(info.agents_online);
          q->set_estimated_wait_seconds(wait_s);
          f = encode(env);
        }
        s.send(f);
      });
    }
  }
}

}  // namespace lc::service
