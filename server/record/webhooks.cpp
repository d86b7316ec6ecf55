#include "server/record/webhooks.hpp"

namespace lc::record {

namespace {

constexpr const char* webhook_columns =
    "id, url, secret, array_to_string(events, ','), enabled, created_by, created_ms, updated_ms";
constexpr const char* delivery_columns =
    "d.id, d.webhook_id, d.event, d.idempotency_key, d.body, d.created_ms, d.next_attempt_ms, "
    "d.attempts, d.state, d.last_status, d.last_error, d.done_ms";

webhook_row webhook_at(const pg_rows& rows, std::size_t r) {
  webhook_row w;
  w.id = rows.integer(r, 0);
  w.url = rows.text(r, 1);
  w.secret = rows.text(r, 2);
  w.events = split_commas(rows.text(r, 3));
  w.enabled = rows.text(r, 4) == "t";
  w.created_by = rows.text(r, 5);
  w.created_ms = rows.integer(r, 6);
  w.updated_ms = rows.integer(r, 7);
  return w;
}

delivery_row delivery_at(const pg_rows& rows, std::size_t r) {
  delivery_row d;
  d.id = rows.integer(r, 0);
  d.webhook_id = rows.integer(r, 1);
  d.event = rows.text(r, 2);
  d.idempotency_key = rows.text(r, 3);
  d.body = rows.text(r, 4);
  d.created_ms = rows.integer(r, 5);
  d.next_attempt_ms = rows.integer(r, 6);
  d.attempts = static_cast<std::int32_t>(rows.integer(r, 7));
  d.state = rows.text(r, 8);
  d.last_status = static_cast<std::int32_t>(rows.integer(r, 9));
  d.last_error = rows.text(r, 10);
  d.done_ms = rows.integer(r, 11);
  return d;
}

}  // namespace

std::vector<webhook_row> list_webhooks(pg_connection& db) {
  auto rows = db.exec(std::string("SELECT ") + webhook_columns +
                      " FROM webhooks WHERE NOT removed ORDER BY id");
  std::vector<webhook_row> out;
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(webhook_at(rows, r));
  return out;
}

std::optional<webhook_row> find_webhook(pg_connection& db, std::int64_t id) {
  auto rows = db.exec(
      std::string("SELECT ") + webhook_columns + " FROM webhooks WHERE id = $1 AND NOT removed",
      {std::to_string(id)});
  if (rows.size() != 1) return std::nullopt;
  return webhook_at(rows, 0);
}

webhook_row add_webhook(pg_connection& db, webhook_row w) {
  auto rows = db.exec(
      "INSERT INTO webhooks (url, secret, events, enabled, created_by, created_ms, updated_ms) "
      "VALUES ($1, $2, $3::text[], $4, $5, $6, $6) RETURNING id",
      {w.url, w.secret, text_array(w.events), w.enabled ? "true" : "false", w.created_by,
       std::to_string(w.created_ms)});
  w.id = rows.integer(0, 0);
  w.updated_ms = w.created_ms;
  return w;
}

bool update_webhook(pg_connection& db, const webhook_row& w) {
  auto rows = db.exec(
      "UPDATE webhooks SET url = $2, secret = $3, events = $4::text[], enabled = $5, "
      "updated_ms = $6 WHERE id = $1 AND NOT removed RETURNING id",
      {std::to_string(w.id), w.url, w.secret, text_array(w.events), w.enabled ? "true" : "false",
       std::to_string(w.updated_ms)});
  return rows.size() == 1;
}

bool remove_webhook(pg_connection& db, std::int64_t id, std::int64_t at_ms) {
  auto rows = db.exec(
      "UPDATE webhooks SET removed = true, enabled = false, updated_ms = $2 WHERE id = $1 AND "
      "NOT removed RETURNING id",
      {std::to_string(id), std::to_string(at_ms)});
  return rows.size() == 1;
}

std::size_t enqueue_delivery(pg_connection& db, const std::string& event,
                             const std::string& idempotency_key, const std::string& body,
                             std::int64_t now_ms) {
  auto rows = db.exec(
      "INSERT INTO webhook_deliveries (webhook_id, event, idempotency_key, body, created_ms, "
      "next_attempt_ms) SELECT id, $1, $2, $3, $4, $4 FROM webhooks WHERE enabled AND NOT "
      "removed AND $1 = ANY (events) ON CONFLICT (webhook_id, idempotency_key) DO NOTHING "
      "RETURNING id",
      {event, idempotency_key, body, std::to_string(now_ms)});
  return rows.size();
}

std::vector<delivery_row> claim_deliveries(pg_connection& db, std::int64_t now_ms,
                                           std::int64_t lease_ms, std::size_t limit) {
  auto rows = db.exec(
      std::string("WITH due AS (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON "
                  "w.id = d.webhook_id WHERE d.state = 'pending' AND d.next_attempt_ms <= $1 "
                  "AND w.enabled AND NOT w.removed ORDER BY d.next_attempt_ms LIMIT $3 "
                  "FOR UPDATE OF d SKIP LOCKED), taken AS (UPDATE webhook_deliveries d SET "
                  "attempts = d.attempts + 1, next_attempt_ms = $1 + $2 FROM due WHERE "
                  "d.id = due.id RETURNING d.*) SELECT ") +
          delivery_columns +
          ", w.url, w.secret FROM taken d JOIN webhooks w ON w.id = d.webhook_id ORDER BY d.id",
      {std::to_string(now_ms), std::to_string(lease_ms), std::to_string(limit)});
  std::vector<delivery_row> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto d = delivery_at(rows, r);
    d.url = rows.text(r, 12);
    d.secret = rows.text(r, 13);
    out.push_back(std::move(d));
  }
  return out;
}

void finish_delivery(pg_connection& db, std::int64_t id, bool delivered, std::int32_t status,
                     const std::string& error, std::int64_t now_ms,
                     std::optional<std::int64_t> retry_at) {
  const char* state = delivered ? "delivered" : retry_at ? "pending" : "failed";
  db.exec(
      "UPDATE webhook_deliveries SET state = $2, last_status = $3, last_error = $4, "
      "next_attempt_ms = $5, done_ms = $6 WHERE id = $1",
      {std::to_string(id), state, std::to_string(status), error,
       std::to_string(retry_at.value_or(now_ms)),
       std::to_string(delivered || !retry_at ? now_ms : 0)});
}

std::vector<delivery_row> list_deliveries(pg_connection& db, std::int64_t webhook_id,
                                          std::size_t limit) {
  auto rows = db.exec(std::string("SELECT ") + delivery_columns +
                          " FROM webhook_deliveries d WHERE d.webhook_id = $1 ORDER BY d.id DESC "
                          "LIMIT $2",
                      {std::to_string(webhook_id), std::to_string(limit)});
  std::vector<delivery_row> out;
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(delivery_at(rows, r));
  return out;
}

}  // namespace lc::record
