#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// An endpoint an admin registered.
struct webhook_row {
  std::int64_t id = 0;
  std::string url, secret;
  std::vector<std::string> events;  // core::webhook_events names
  bool enabled = true;
  std::string created_by;
  std::int64_t created_ms = 0, updated_ms = 0;
};

// One event for one endpoint, and what became of it.
struct delivery_row {
  std::int64_t id = 0, webhook_id = 0;
  std::string event, idempotency_key, body;
  std::int64_t created_ms = 0, next_attempt_ms = 0;
  std::int32_t attempts = 0;
  std::string state;  // pending, delivered, failed
  std::int32_t last_status = 0;
  std::string last_error;
  std::int64_t done_ms = 0;
  std::string url, secret;  // the endpoint's, filled in by claim_deliveries
};

std::vector<webhook_row> list_webhooks(pg_connection& db);  // not removed, by id
std::optional<webhook_row> find_webhook(pg_connection& db, std::int64_t id);
webhook_row add_webhook(pg_connection& db, webhook_row w);  // its id filled in
// Writes url, secret, events, enabled and updated_ms; false for an unknown or removed id.
bool update_webhook(pg_connection& db, const webhook_row& w);
bool remove_webhook(pg_connection& db, std::int64_t id, std::int64_t at_ms);

// The outbox: one pending delivery of the event for each enabled endpoint that subscribes to
// it, due at once; an idempotency key an endpoint already has adds nothing. How many were added.
std::size_t enqueue_delivery(pg_connection& db, const std::string& event,
                             const std::string& idempotency_key, const std::string& body,
                             std::int64_t now_ms);
// Takes up to `limit` due deliveries for this caller: counts the attempt and moves their next
// attempt `lease_ms` on, so another node's sender leaves them alone meanwhile (and takes them up
// again should this one die). Deliveries of removed or disabled endpoints are not taken.
std::vector<delivery_row> claim_deliveries(pg_connection& db, std::int64_t now_ms,
                                           std::int64_t lease_ms, std::size_t limit);
// The attempt's outcome: delivered, or failed with `retry_at` (nothing: given up for good).
void finish_delivery(pg_connection& db, std::int64_t id, bool delivered, std::int32_t status,
                     const std::string& error, std::int64_t now_ms,
                     std::optional<std::int64_t> retry_at);
// An endpoint's deliveries, newest first.
std::vector<delivery_row> list_deliveries(pg_connection& db, std::int64_t webhook_id,
                                          std::size_t limit);

}  // namespace lc::record
