#include "server/service/webhook_desk.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include <boost/asio/post.hpp>

#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/query.hpp"
#include "server/core/webhook.hpp"
#include "server/record/audit_log.hpp"
#include "server/record/webhooks.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"
#include "server/service/team_api.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr auto refresh_every = std::chrono::seconds(5);
constexpr std::size_t max_webhooks = 50;
constexpr std::size_t default_log = 50;
constexpr std::size_t max_log = 200;
// Events kept while the outbox cannot take them; past this the oldest are dropped (and counted).
constexpr std::size_t max_pending_events = 10000;

std::string webhook_json(const record::webhook_row& w) {
  core::json_writer j;
  j.begin_object();
  j.key("id").value(w.id);
  j.key("url").value(w.url);
  j.key("secret").value(w.secret);
  j.key("events").begin_array();
  for (const auto& e : w.events) j.value(e);
  j.end_array();
  j.key("enabled").value(w.enabled);
  j.key("created_by").value(w.created_by);
  j.key("created_ms").value(w.created_ms);
  j.key("updated_ms").value(w.updated_ms);
  j.end_object();
  return j.str();
}

std::string new_secret() {
  return "whsec_" + core::random_id(24);
}

// Applies the body's fields to `w`; the reason when one is wrong.
std::optional<std::string> apply_fields(const core::json_value& body, record::webhook_row& w,
                                        bool* rotate) {
  for (const auto& [key, v] : body.members()) {
    if (key == "url") {
      if (!v.is_string()) return "'url': text";
      if (auto why = core::webhook_url_problem(v.as_string())) return "'url': " + *why;
      w.url = v.as_string();
    } else if (key == "events") {
      if (!v.is_array() || v.items().empty()) return "'events': a list of event names";
      w.events.clear();
      for (const auto& e : v.items()) {
        if (!e.is_string() || !core::is_webhook_event(e.as_string())) {
          std::string names;
          for (const auto n : core::webhook_events)
            names += (names.empty() ? "" : ", ") + std::string(n);
          return "'events': each one of " + names;
        }
        if (std::find(w.events.begin(), w.events.end(), e.as_string()) == w.events.end()) {
          w.events.push_back(e.as_string());
        }
      }
    } else if (key == "enabled") {
      if (!v.is_bool()) return "'enabled': true or false";
      w.enabled = v.as_bool();
    } else if (key == "rotate_secret" && rotate != nullptr) {
      if (!v.is_bool()) return "'rotate_secret': true or false";
      *rotate = v.as_bool();
    } else {
      return "unknown field '" + key + "'";
    }
  }
  return std::nullopt;
}

std::string audit_detail(const record::webhook_row& w) {
  core::json_writer j;
  j.begin_object().key("url").value(w.url).key("events").begin_array();
  for (const auto& e : w.events) j.value(e);
  j.end_array().key("enabled").value(w.enabled).end_object();
  return j.str();
}

}  // namespace

webhook_desk::webhook_desk(const service_context& ctx) : ctx_(ctx), refresh_timer_(ctx.io) {
  if (ctx_.record != nullptr) {
    outbound::webhook_sender_options o;
    o.give_up = ctx_.options.webhook_give_up;
    sender_ = std::make_unique<outbound::webhook_sender>(*ctx_.record, o);
  }
}

webhook_desk::~webhook_desk() {
  stop();
}

void webhook_desk::start() {
  if (ctx_.record == nullptr) return;
  stopped_ = false;
  sender_->start();
  ctx_.spawn(refresh(), "reading the webhooks");
  do_schedule_refresh();
}

void webhook_desk::stop() {
  stopped_ = true;
  refresh_timer_.cancel();
  if (sender_) sender_->stop();
}

void webhook_desk::do_schedule_refresh() {
  refresh_timer_.expires_after(refresh_every);
  refresh_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    ctx_.spawn(refresh(), "reading the webhooks");
    retry_pending();
    do_schedule_refresh();
  });
}

asio::awaitable<void> webhook_desk::refresh() {
  record_work<std::vector<record::webhook_row>> read = [](record::pg_connection& db) {
    return record::list_webhooks(db);
  };
  const auto rows = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  std::set<std::string, std::less<>> wanted;
  for (const auto& w : rows) {
    if (w.enabled) wanted.insert(w.events.begin(), w.events.end());
  }
  subscribed_ = std::move(wanted);
}

void webhook_desk::emit(std::string_view event, std::string key, const std::string& data_json) {
  if (ctx_.record == nullptr || !wanted(event)) return;
  const auto now = wall_clock_ms();
  std::string body = R"({"id":)" + core::json_quote(key) + R"(,"event":)" +
                     core::json_quote(event) + R"(,"created_ms":)" + std::to_string(now) +
                     R"(,"data":)" + data_json + "}";
  enqueue({pending_event{std::string(event), std::move(key), std::move(body), now}}, false);
}

void webhook_desk::enqueue(std::vector<pending_event> batch, bool retry) {
  auto* sender = sender_.get();
  auto shared = std::make_shared<std::vector<pending_event>>(std::move(batch));
  ctx_.record->submit(
      [shared](record::pg_connection& db) {
        for (const auto& e : *shared) record::enqueue_delivery(db, e.event, e.key, e.body, e.at_ms);
      },
      [sender, shared, retry, pending = pending_, &io = ctx_.io,
       &metrics = ctx_.metrics](const std::exception_ptr& e) {
        if (!e) {
          sender->wake();
          if (retry) asio::post(io, [pending] { pending->in_flight = false; });
          return;
        }
        std::string why;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          why = x.what();
        }
        // Back on the loop, which alone touches `pending`.
        asio::post(io, [pending, shared, retry, why, &metrics] {
          if (retry) pending->in_flight = false;
          if (pending->events.empty()) {
            spdlog::warn("webhooks: events not queued yet ({}); trying again every 5 s", why);
          }
          for (auto& ev : *shared) pending->events.push_back(std::move(ev));
          while (pending->events.size() > max_pending_events) {
            pending->events.pop_front();
            metrics.add("livechat_webhook_events_dropped_total");
          }
        });
      });
}

void webhook_desk::retry_pending() {
  if (pending_->in_flight || pending_->events.empty()) return;
  pending_->in_flight = true;
  std::vector<pending_event> batch(std::make_move_iterator(pending_->events.begin()),
                                   std::make_move_iterator(pending_->events.end()));
  pending_->events.clear();
  enqueue(std::move(batch), true);
}

asio::awaitable<std::optional<http_response>> webhook_desk::route(const core::agent_claims& who,
                                                                  const http_request& request,
                                                                  const std::string& path) {
  constexpr std::string_view prefix = "/api/webhooks";
  if (path.rfind(prefix, 0) != 0 || (path.size() > prefix.size() && path[prefix.size()] != '/')) {
    co_return std::nullopt;
  }
  if (!who.admin()) co_return error_reply(403, "forbidden", "only admins manage webhooks");
  if (ctx_.record == nullptr) co_return rest::no_record_reply();
  const auto& m = request.method;
  if (path.size() == prefix.size()) {
    if (m == "GET") co_return co_await list();
    if (m != "POST") co_return error_reply(405, "method_not_allowed", "GET or POST /api/webhooks");
    http_response bad;
    auto body = json_object_body(request, &bad);
    if (!body) co_return bad;
    co_return co_await add(who, *body);
  }
  std::string_view rest = std::string_view(path).substr(prefix.size() + 1);
  constexpr std::string_view log_suffix = "/deliveries";
  const bool log =
      rest.size() > log_suffix.size() && rest.substr(rest.size() - log_suffix.size()) == log_suffix;
  if (log) rest.remove_suffix(log_suffix.size());
  const auto id = rest::path_id(rest);
  if (!id) co_return error_reply(400, "bad_request", "malformed webhook id");
  if (log) {
    if (m != "GET") co_return error_reply(405, "method_not_allowed", "GET only");
    co_return co_await deliveries(*id, request.target);
  }
  if (m == "DELETE") co_return co_await remove(who, *id);
  if (m != "PATCH") {
    co_return error_reply(405, "method_not_allowed", "PATCH or DELETE /api/webhooks/{id}");
  }
  http_response bad;
  auto body = json_object_body(request, &bad);
  if (!body) co_return bad;
  co_return co_await change(who, *id, *body);
}

asio::awaitable<http_response> webhook_desk::list() {
  record_work<std::vector<record::webhook_row>> read = [](record::pg_connection& db) {
    return record::list_webhooks(db);
  };
  std::vector<record::webhook_row> rows;
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  std::string body = R"({"webhooks":[)";
  for (std::size_t i = 0; i < rows.size(); ++i) body += (i ? "," : "") + webhook_json(rows[i]);
  co_return json_reply(200, body + "]}");
}

asio::awaitable<http_response> webhook_desk::add(const core::agent_claims& who,
                                                 const core::json_value& body) {
  record::webhook_row w;
  if (auto wrong = apply_fields(body, w, nullptr)) co_return error_reply(400, "invalid", *wrong);
  if (w.url.empty() || w.events.empty()) {
    co_return error_reply(400, "invalid", "'url' and 'events' are required");
  }
  w.secret = new_secret();
  w.created_by = who.agent_id;
  w.created_ms = wall_clock_ms();
  record_work<std::optional<record::webhook_row>> write = [w](record::pg_connection& db) {
    return record::in_transaction(db, [&]() -> std::optional<record::webhook_row> {
      if (record::list_webhooks(db).size() >= max_webhooks) return std::nullopt;
      auto stored = record::add_webhook(db, w);
      record::audit(db, stored.created_by, "webhook.add", std::to_string(stored.id),
                    audit_detail(stored), stored.created_ms);
      return stored;
    });
  };
  std::optional<record::webhook_row> stored;
  try {
    stored = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  if (!stored) {
    co_return error_reply(409, "conflict", "at most " + std::to_string(max_webhooks) + " webhooks");
  }
  co_await refresh();
  co_return json_reply(201, webhook_json(*stored));
}

asio::awaitable<http_response> webhook_desk::change(const core::agent_claims& who, std::int64_t id,
                                                    const core::json_value& body) {
  // Checked before the transaction: a wrong field answers 400 whether or not the id exists.
  record::webhook_row probe;
  bool rotate = false;
  if (auto wrong = apply_fields(body, probe, &rotate))
    co_return error_reply(400, "invalid", *wrong);
  const auto now = wall_clock_ms();
  record_work<std::optional<record::webhook_row>> write =
      [id, body, rotate, now, by = who.agent_id](record::pg_connection& db) {
        return record::in_transaction(db, [&]() -> std::optional<record::webhook_row> {
          auto w = record::find_webhook(db, id);
          if (!w) return std::nullopt;
          bool again = false;  // checked above
          apply_fields(body, *w, &again);
          if (rotate) w->secret = new_secret();
          w->updated_ms = now;
          record::update_webhook(db, *w);
          record::audit(db, by, rotate ? "webhook.rotate_secret" : "webhook.update",
                        std::to_string(id), audit_detail(*w), now);
          return w;
        });
      };
  std::optional<record::webhook_row> stored;
  try {
    stored = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  if (!stored) co_return error_reply(404, "not_found", "no such webhook");
  co_await refresh();
  co_return json_reply(200, webhook_json(*stored));
}

asio::awaitable<http_response> webhook_desk::remove(const core::agent_claims& who,
                                                    std::int64_t id) {
  const auto now = wall_clock_ms();
  record_work<bool> write = [id, now, by = who.agent_id](record::pg_connection& db) {
    return record::in_transaction(db, [&] {
      if (!record::remove_webhook(db, id, now)) return false;
      record::audit(db, by, "webhook.remove", std::to_string(id), "{}", now);
      return true;
    });
  };
  bool removed = false;
  try {
    removed = co_await on_record(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  if (!removed) co_return error_reply(404, "not_found", "no such webhook");
  co_await refresh();
  co_return json_reply(200, R"({"removed":true})");
}

asio::awaitable<http_response> webhook_desk::deliveries(std::int64_t id,
                                                        const std::string& target) {
  std::size_t limit = default_log;
  if (auto t = core::parse_target(target)) {
    if (auto it = t->params.find("limit"); it != t->params.end()) {
      std::size_t n = 0;
      const auto& s = it->second;
      const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
      if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || n < 1 || n > max_log) {
        co_return error_reply(400, "bad_request", "'limit': 1..200");
      }
      limit = n;
    }
  }
  record_work<std::optional<std::vector<record::delivery_row>>> read =
      [id, limit](record::pg_connection& db) -> std::optional<std::vector<record::delivery_row>> {
    if (!record::find_webhook(db, id)) return std::nullopt;
    return record::list_deliveries(db, id, limit);
  };
  std::optional<std::vector<record::delivery_row>> rows;
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  if (!rows) co_return error_reply(404, "not_found", "no such webhook");
  core::json_writer j;
  j.begin_object().key("deliveries").begin_array();
  for (const auto& d : *rows) {
    j.begin_object();
    j.key("id").value(d.id);
    j.key("event").value(d.event);
    j.key("idempotency_key").value(d.idempotency_key);
    j.key("state").value(d.state);
    j.key("attempts").value(static_cast<std::int64_t>(d.attempts));
    j.key("last_status").value(static_cast<std::int64_t>(d.last_status));
    j.key("last_error").value(d.last_error);
    j.key("created_ms").value(d.created_ms);
    j.key("next_attempt_ms").value(d.next_attempt_ms);
    j.key("done_ms").value(d.done_ms);
    j.key("body").value(d.body);
    j.end_object();
  }
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

}  // namespace lc::service
