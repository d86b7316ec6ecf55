#include "server/outbound/webhook_sender.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "server/core/webhook.hpp"
#include "server/outbound/http_post.hpp"
#include "server/record/webhooks.hpp"

namespace lc::outbound {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `job` on the record pool and waits for it: this thread is the sender's own.
template <class R, class F>
R on_pool(record::record_pool& pool, F job) {
  std::promise<R> promise;
  auto future = promise.get_future();
  auto result = std::make_shared<R>();
  pool.submit([result, job](record::pg_connection& db) { *result = job(db); },
              [result, &promise](std::exception_ptr e) {
                if (e) {
                  promise.set_exception(e);
                } else {
                  promise.set_value(std::move(*result));
                }
              });
  return future.get();
}

}  // namespace

webhook_sender::webhook_sender(record::record_pool& pool, webhook_sender_options options)
    : pool_(pool), options_(options) {}

webhook_sender::~webhook_sender() {
  stop();
}

void webhook_sender::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void webhook_sender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void webhook_sender::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void webhook_sender::run() {
  while (true) {
    bool busy = false;
    try {
      busy = pass();
    } catch (const std::exception& e) {
      // PostgreSQL down or the pool stopping: the next poll tries again.
      spdlog::debug("webhooks: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    if (!busy) wake_.wait_for(lock, options_.poll, [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
  }
}

bool webhook_sender::pass() {
  const auto lease = options_.lease.count();
  const auto batch = options_.batch;
  auto due =
      on_pool<std::vector<record::delivery_row>>(pool_, [lease, batch](record::pg_connection& db) {
        return record::claim_deliveries(db, now_ms(), lease, batch);
      });
  for (const auto& d : due) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return false;  // its lease runs out; another pass sends it
    }
    const auto sent_s = now_ms() / 1000;
    const std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Type", "application/json"},
        {"User-Agent", "livechat-webhooks/1"},
        {"X-Livechat-Event", d.event},
        {"X-Livechat-Delivery", std::to_string(d.id)},
        {"Idempotency-Key", d.idempotency_key},
        {"X-Livechat-Signature", core::webhook_signature(d.secret, sent_s, d.body)}};
    const auto r = http_post(d.url, headers, d.body, options_.timeout);
    const auto at = now_ms();
    const auto retry =
        r.ok() ? std::nullopt
               : core::webhook_retry_at(d.created_ms, d.attempts, at, options_.give_up.count());
    (r.ok() ? delivered_ : failed_) += 1;
    if (!r.ok()) {
      spdlog::info("webhooks: delivery {} to {} failed ({}), attempt {}{}", d.id, d.url, r.error,
                   d.attempts, retry ? "" : ", given up");
    }
    on_pool<bool>(pool_, [id = d.id, r, at, retry](record::pg_connection& db) {
      record::finish_delivery(db, id, r.ok(), r.status, r.error, at, retry);
      return true;
    });
  }
  return due.size() == batch;
}

}  // namespace lc::outbound
