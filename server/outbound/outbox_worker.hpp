#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lc::outbound {

// The wall clock outbox rows are stamped and scheduled with (Unix milliseconds).
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The thread an outbox of the system of record drains on (webhooks, mail): it runs `pass`
// again at once while that finds work, else waits `poll` or until woken. An exception from a
// pass (PostgreSQL down, the pool stopping) is logged and the next poll tries again.
class outbox_worker {
 public:
  outbox_worker(std::string name, std::chrono::milliseconds poll, std::function<bool()> pass);
  outbox_worker(const outbox_worker&) = delete;
  outbox_worker& operator=(const outbox_worker&) = delete;
  ~outbox_worker();  // stop()

  void start();
  // Lets the pass in hand finish (it checks stopping() between items), then returns. Idempotent.
  void stop();
  // Something was queued: look now rather than at the next poll. Any thread.
  void wake();
  bool stopping();

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds poll_;
  std::function<bool()> pass_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
};

}  // namespace lc::outbound
