#include "server/service/matcher.hpp"

#include "server/service/envelopes.hpp"
#include "server/service/webhook_desk.hpp"
#include "server/store/functions.hpp"

namespace lc::service {

namespace {
constexpr int match_batch = 128;
constexpr int max_rounds = 1000;
}  // namespace

matcher::matcher(const service_context& ctx, store::endpoint redis_endpoint)
    : ctx_(ctx),
      redis_(ctx.io, std::move(redis_endpoint), ctx.options.redis_timeout, store::functions_source),
      store_(redis_),
      reads_(redis_) {}

void matcher::request(const std::string& department) {
  if (stopped_ || department.empty()) return;
  if (running_.contains(department)) {
    again_.insert(department);
    return;
  }
  running_.insert(department);
  ctx_.spawn(run(department), "match");
}

double matcher::assignments_per_second(const std::string& department, std::int64_t now_ms) const {
  auto it = rates_.find(department);
  return it == rates_.end() ? 0.0 : it->second.per_second(now_ms);
}

task matcher::run(std::string department) {
  try {
    for (int round = 0; round < max_rounds; ++round) {
      auto& store = redis_.ready() ? store_ : ctx_.store;
      auto matched = co_await store.match(department, match_batch,
                                          ctx_.departments.reassign_after(department));
      const auto now = wall_clock_ms();
      for (const auto& m : matched) {
        ctx_.metrics.observe("livechat_queue_wait_seconds", static_cast<double>(m.wait_ms) / 1000,
                             {{"department", department}});
        ctx_.metrics.add("livechat_matches_total", 1, {{"department", department}});
        rates_[department].on_assignment(now, m.wait_ms);
        if (ctx_.webhooks != nullptr && ctx_.webhooks->wanted("conversation.assigned")) {
          ctx_.webhooks->emit(webhook_payloads::assigned(m.conversation_id, m.agent_id, department,
                                                         m.wait_ms, now));
        }
      }
      if (static_cast<int>(matched.size()) == match_batch) continue;
      if (again_.erase(department) > 0) continue;
      break;
    }
  } catch (...) {
    running_.erase(department);
    again_.erase(department);
    throw;
  }
  running_.erase(department);
}

}  // namespace lc::service
