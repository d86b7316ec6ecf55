#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "server/outbound/outbox_worker.hpp"
#include "server/record/record_pool.hpp"

namespace lc::outbound {

struct webhook_sender_options {
  std::chrono::milliseconds poll{1000};      // looks for due deliveries this often (and when woken)
  std::chrono::milliseconds timeout{10000};  // one POST, connecting included
  std::chrono::milliseconds give_up{24LL * 3600 * 1000};  // retried this long after the event
  std::chrono::milliseconds lease{60000};  // a claimed attempt other nodes leave alone
  std::size_t batch = 16;
};

// Drains the webhook outbox of the system of record: on a thread of its own (libcurl blocks; the
// event loop never waits on it), it claims due deliveries (every node runs one; a claim is a
// lease, so each attempt is made by one of them), posts each signed
// (core::webhook_signature), and records the outcome: delivered on a 2xx, else retried with
// backoff until `give_up` after the event, then failed. At least once: a sender that dies after
// posting and before recording leaves the lease to run out and the delivery to go again, with the
// same Idempotency-Key.
class webhook_sender {
 public:
  webhook_sender(record::record_pool& pool, webhook_sender_options options);
  webhook_sender(const webhook_sender&) = delete;
  webhook_sender& operator=(const webhook_sender&) = delete;
  ~webhook_sender();  // stop()

  void start() { worker_.start(); }
  // Finishes the post in hand (bounded by the timeout), then returns. Idempotent.
  void stop() { worker_.stop(); }
  // Something was queued: look now rather than at the next poll. Any thread.
  void wake() { worker_.wake(); }

  std::uint64_t delivered() const { return delivered_.load(); }
  std::uint64_t failed_attempts() const { return failed_.load(); }

 private:
  // One pass: claims and sends; true when it found something (look again at once).
  bool pass();

  record::record_pool& pool_;
  webhook_sender_options options_;
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> failed_{0};
  outbox_worker worker_;  // last: its thread stops before the rest goes
};

}  // namespace lc::outbound
