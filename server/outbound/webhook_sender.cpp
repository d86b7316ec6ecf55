#include "server/outbound/webhook_sender.hpp"

#include <spdlog/spdlog.h>

#include "server/core/backoff.hpp"
#include "server/core/webhook.hpp"
#include "server/outbound/http_post.hpp"
#include "server/outbound/pool_call.hpp"
#include "server/record/webhooks.hpp"

namespace lc::outbound {

webhook_sender::webhook_sender(record::record_pool& pool, webhook_sender_options options)
    : pool_(pool),
      options_(options),
      worker_("webhooks", options.poll, [this] { return pass(); }) {}

webhook_sender::~webhook_sender() {
  stop();
}

bool webhook_sender::pass() {
  const auto lease = options_.lease.count();
  const auto batch = options_.batch;
  auto due =
      on_pool<std::vector<record::delivery_row>>(pool_, [lease, batch](record::pg_connection& db) {
        return record::claim_deliveries(db, now_ms(), lease, batch);
      });
  for (const auto& d : due) {
    if (worker_.stopping()) return false;  // its lease runs out; another pass sends it
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
    const auto retry = r.ok()
                           ? std::nullopt
                           : core::retry_at(d.created_ms, d.attempts, at, options_.give_up.count());
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
