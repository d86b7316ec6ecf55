#include "server/service/monitor.hpp"

#include <chrono>

namespace lc::service {

monitor::monitor(const service_context& ctx, connections& conns, delivery& deliver)
    : ctx_(ctx), conns_(conns), deliver_(deliver), timer_(ctx.io) {}

monitor::~monitor() {
  *alive_ = false;
}

void monitor::watch(session& s, const std::string& conv, core::conversation_state state) {
  if (stopped_) return;
  // Seq 1 is the first event: the whole conversation so far, then what follows.
  if (deliver_.follow_conversation(s, conv, 1, state) == nullptr) return;
  watched_.insert(conv);
  schedule();
}

void monitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

void monitor::schedule() {
  if (scheduled_ || stopped_ || watched_.empty()) return;
  scheduled_ = true;
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive) return;
    scheduled_ = false;
    if (ec || stopped_) return;
    refresh();
    schedule();
  });
}

void monitor::refresh() {
  for (auto it = watched_.begin(); it != watched_.end();) {
    bool anyone = false;
    conns_.for_followers(*it, [&](session&, follow&) { anyone = true; });
    if (!anyone) {
      it = watched_.erase(it);
      continue;
    }
    deliver_.resync(*it);
    ++it;
  }
}

}  // namespace lc::service
