#include "server/service/rest_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>

#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/query.hpp"
#include "server/record/pg_connection.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/file_desk.hpp"
#include "server/service/mail_desk.hpp"
#include "server/service/rest_replies.hpp"
#include "server/store/store_error.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;

using rest::error_reply;
using rest::json_reply;

void rest_api::handle(http_request request, std::function<void(http_response)> done) {
  asio::co_spawn(ctx_.io, route(std::move(request)),
                 [done = std::move(done)](const std::exception_ptr& e, http_response r) {
                   if (!e) {
                     done(std::move(r));
                     return;
                   }
                   try {
                     std::rethrow_exception(e);
                   } catch (const record::pg_error& err) {
                     // The system of record: down is 503 (chat goes on), a parameter it refused
                     // (a time zone it does not know) is the client's.
                     if (err.connection_lost()) {
                       done(error_reply(503, "archive_unavailable",
                                        "the system of record is unavailable; try again"));
                     } else if (err.sqlstate().rfind("22", 0) == 0) {
                       done(error_reply(400, "bad_request", err.what()));
                     } else {
                       spdlog::error("http: {}", err.what());
                       done(error_reply(500, "internal", "internal error"));
                     }
                   } catch (const store::store_error& err) {
                     // Only an unreachable or slow Redis is the node's unavailability; a
                     // refusal is not, or one client could make a proxy mark nodes down.
                     if (err.code() == pb::ERROR_CODE_UNAVAILABLE) {
                       done(error_reply(503, "unavailable", err.what()));
                     } else {
                       spdlog::error("http: store refused: {}", err.what());
                       done(error_reply(500, "internal", "internal error"));
                     }
                   } catch (const std::exception& err) {
                     spdlog::error("http: {}", err.what());
                     done(error_reply(500, "internal", "internal error"));
                   }
                 });
}

asio::awaitable<std::optional<core::agent_claims>> rest_api::authenticate(
    const http_request& request) {
  const auto token = rest::bearer_token(request.authorization);
  if (!token) co_return std::nullopt;
  auto claims = core::verify_agent_token(*token, ctx_.options.secret, wall_clock_ms() / 1000);
  if (!claims) co_return std::nullopt;
  if (claims->issued_at_ms < co_await ctx_.reads.agent_not_before(claims->agent_id)) {
    co_return std::nullopt;
  }
  co_return claims;
}

asio::awaitable<http_response> rest_api::route(http_request request) {
  auto target = core::parse_target(request.target);
  if (!target) co_return error_reply(400, "bad_request", "malformed request target");
  const auto& path = target->path;
  const bool post = request.method == "POST";
  const bool del = request.method == "DELETE";
  if (auto r = co_await team_.public_route(request, path)) co_return std::move(*r);
  if (request.method != "GET" && request.method != "HEAD" && !post && !del &&
      request.method != "PUT" && request.method != "PATCH") {
    co_return error_reply(405, "method_not_allowed",
                          "only GET, POST, PUT, PATCH and DELETE are supported here");
  }
  if (path == "/healthz") co_return json_reply(200, R"({"status":"ok"})");
  if (path == "/readyz") co_return co_await readiness();
  if (path == "/metrics") co_return co_await metrics();
  if (path.rfind("/api/", 0) != 0) co_return error_reply(404, "not_found", "no such resource");
  // Files take visitors' tokens as well as staff's.
  if (auto r = co_await ctx_.files->route(request, path)) co_return std::move(*r);

  auto who = co_await authenticate(request);
  if (!who) {
    co_return error_reply(401, "unauthenticated",
                          "send an agent or admin token as 'Authorization: Bearer <token>'");
  }
  const auto suffixed = [&](std::string_view prefix, std::string_view suffix) {
    return path.size() > prefix.size() + suffix.size() && path.rfind(prefix, 0) == 0 &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const auto middle = [&](std::string_view prefix, std::string_view suffix) {
    return path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  };
  if (auto r = co_await bans_.route(*who, request, path)) co_return std::move(*r);
  if (auto r = co_await webhooks_.route(*who, request, path)) co_return std::move(*r);
  if (auto r = co_await ctx_.mail->route(*who, request, path)) co_return std::move(*r);
  if (auto r = co_await team_.route(*who, request, path)) co_return std::move(*r);
  if (request.method == "PUT" || request.method == "PATCH") {
    co_return error_reply(405, "method_not_allowed", "not supported here");
  }
  constexpr std::string_view agent_prefix = "/api/agents/";
  constexpr std::string_view visitor_prefix = "/api/visitors/";
  if (post) {
    if (suffixed(agent_prefix, "/revoke")) {
      co_return co_await revoke(*who, middle(agent_prefix, "/revoke"));
    }
    co_return error_reply(405, "method_not_allowed", "only GET is supported here");
  }
  if (path == "/api/visitors/online" && !del) co_return co_await site_visitors();
  if (path.rfind(visitor_prefix, 0) == 0) {
    const bool export_path = suffixed(visitor_prefix, "/export");
    const auto visitor =
        export_path ? middle(visitor_prefix, "/export") : path.substr(visitor_prefix.size());
    if (!core::is_issued_id('v', visitor)) {
      co_return error_reply(400, "bad_request", "malformed visitor id");
    }
    if (del && !export_path) co_return co_await erase_visitor(*who, visitor);
    if (!del && export_path) co_return co_await export_visitor(*who, visitor);
    co_return error_reply(405, "method_not_allowed",
                          "GET /api/visitors/{id}/export or DELETE /api/visitors/{id}");
  }
  if (del) co_return error_reply(405, "method_not_allowed", "only GET is supported here");
  constexpr std::string_view conv_prefix = "/api/conversations/";
  if (path == "/api/conversations") co_return co_await search(*who, target->params);
  if (path.rfind(conv_prefix, 0) == 0) {
    auto id = path.substr(conv_prefix.size());
    if (!core::is_issued_id('c', id)) {
      co_return error_reply(400, "bad_request", "malformed conversation id");
    }
    co_return co_await conversation(*who, id);
  }
  if (path == "/api/stats") co_return co_await stats(*who, target->params, false);
  if (path == "/api/stats/export.csv") co_return co_await stats(*who, target->params, true);
  if (path == "/api/offline-messages") co_return co_await offline_messages(*who, target->params);
  if (path == "/api/agents") co_return co_await agents();
  if (path == "/api/queue") co_return co_await waiting(*who);
  if (path == "/api/live") co_return co_await live(*who);
  co_return error_reply(404, "not_found", "no such resource");
}

asio::awaitable<http_response> rest_api::readiness() {
  // Ready means chat works (Redis); the archive's state rides along, so a balancer keeps
  // sending chats while PostgreSQL is down and an operator still sees it.
  const char* archive = ctx_.record == nullptr ? "none" : archive_degraded_() ? "degraded" : "ok";
  core::json_writer j;
  if (ready_()) {
    j.begin_object().key("status").value("ready").key("archive").value(archive).end_object();
    co_return json_reply(200, j.str());
  }
  j.begin_object().key("error").begin_object();
  j.key("code").value("not_ready");
  j.key("message").value("redis not connected or functions not loaded");
  j.end_object().key("archive").value(archive).end_object();
  co_return json_reply(503, j.str());
}

asio::awaitable<http_response> rest_api::metrics() {
  auto& m = ctx_.metrics;
  const bool up = ready_();
  m.set("livechat_redis_up", up ? 1 : 0);
  // The outbox senders count on threads of their own; the registry catches up at each scrape.
  const auto catch_up = [&m](const char* counter, std::uint64_t total) {
    m.add(counter, static_cast<double>(total) - m.counter_value(counter));
  };
  catch_up("livechat_mail_sent_total", ctx_.mail->sent());
  catch_up("livechat_mail_failed_attempts_total", ctx_.mail->failed_attempts());
  catch_up("livechat_webhook_deliveries_total", webhooks_.delivered());
  catch_up("livechat_webhook_failed_attempts_total", webhooks_.failed_attempts());
  if (up) {
    auto overview = co_await ctx_.reads.overview(ctx_.departments.ids());
    m.clear("livechat_queue_depth");
    m.clear("livechat_queue_oldest_wait_seconds");
    m.clear("livechat_agents_online");
    for (const auto& d : overview.departments) {
      core::labels l{{"department", d.department}};
      m.set("livechat_queue_depth", d.queue_length, l);
      m.set("livechat_agents_online", d.agents_online, l);
      m.set("livechat_queue_oldest_wait_seconds",
            d.oldest_enqueue_ms > 0 ? static_cast<double>(std::max<std::int64_t>(
                                          0, overview.now_ms - d.oldest_enqueue_ms)) /
                                          1000
                                    : 0.0,
            l);
    }
  }
  http_response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = m.render();
  co_return r;
}

asio::awaitable<http_response> rest_api::revoke(const core::agent_claims& who,
                                                const std::string& agent) {
  if (!who.admin()) co_return error_reply(403, "forbidden", "only admins may revoke tokens");
  if (!core::is_operator_id(agent)) co_return error_reply(400, "bad_request", "malformed agent id");
  const auto not_before = co_await ctx_.store.revoke_agent(agent);
  core::json_writer j;
  j.begin_object().key("agent").value(agent).key("not_before_ms").value(not_before).end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::site_visitors() {
  const auto list = co_await ctx_.reads.site_list(500);
  core::json_writer j;
  j.begin_object().key("server_time_ms").value(list.now_ms).key("visitors").begin_array();
  for (const auto& v : list.visitors) {
    j.begin_object();
    j.key("visitor_id").value(v.visitor_id());
    j.key("display_name").value(v.display_name());
    j.key("url").value(v.url());
    j.key("title").value(v.title());
    j.key("on_page_since_ms").value(v.on_page_since_ms());
    j.key("on_site_since_ms").value(v.on_site_since_ms());
    j.key("referrer").value(v.referrer());
    j.key("pages").value(static_cast<std::uint64_t>(v.pages()));
    j.key("browser").value(v.browser());
    j.key("os").value(v.os());
    j.key("device").value(v.device());
    j.key("language").value(v.language());
    j.key("time_zone").value(v.time_zone());
    j.key("utc_offset_minutes").value(static_cast<std::int64_t>(v.utc_offset_minutes()));
    j.key("previous_chats").value(static_cast<std::uint64_t>(v.previous_chats()));
    j.key("conversation_id").value(v.conversation_id());
    j.key("invitation").value(v.invitation());
    j.key("invited_by").value(v.invited_by());
    j.end_object();
  }
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::agents() {
  auto list = co_await ctx_.reads.agents();
  core::json_writer j;
  j.begin_object().key("agents").begin_array();
  std::uint64_t active = 0, capacity = 0;
  for (const auto& a : list) {
    const bool online = a.status == pb::PRESENCE_STATUS_ONLINE && a.connected;
    const std::string status = store::presence_name(a.status);
    j.begin_object();
    j.key("id").value(a.id);
    j.key("name").value(a.name);
    // What a person would call them: reconnecting agents are not available.
    j.key("status").value(!a.connected && a.status != pb::PRESENCE_STATUS_OFFLINE ? "reconnecting"
                                                                                  : status);
    j.key("connected").value(a.connected);
    j.key("active").value(static_cast<std::uint64_t>(a.active));
    j.key("capacity").value(static_cast<std::uint64_t>(a.capacity));
    std::string departments;
    for (const auto& d : a.departments) departments += (departments.empty() ? "" : ",") + d;
    j.key("departments").value(departments);
    j.end_object();
    if (online) {
      active += a.active;
      capacity += a.capacity;
    }
  }
  j.end_array();
  j.key("utilisation");
  capacity > 0 ? j.value(static_cast<double>(active) / static_cast<double>(capacity)) : j.null();
  j.end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::waiting(const core::agent_claims& who) {
  auto w = co_await ctx_.reads.waiting(who.admin() ? ctx_.departments.ids() : who.departments, 100);
  // Longest wait first, whichever department: the one to pick up by hand.
  std::stable_sort(w.waiting.begin(), w.waiting.end(), [](const auto& a, const auto& b) {
    return a.waiting_since_ms < b.waiting_since_ms;
  });
  core::json_writer j;
  j.begin_object().key("now_ms").value(w.now_ms).key("waiting").begin_array();
  for (const auto& v : w.waiting) {
    j.begin_object();
    j.key("conversation_id").value(v.conversation_id);
    j.key("department").value(v.department);
    j.key("position").value(static_cast<std::uint64_t>(v.position));
    j.key("visitor_name").value(v.visitor_name);
    j.key("first_message").value(v.first_message);
    j.key("waiting_since_ms").value(v.waiting_since_ms);
    j.end_object();
  }
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::live(const core::agent_claims& who) {
  if (!who.supervises()) {
    co_return error_reply(403, "forbidden", "supervisors and admins see the live conversations");
  }
  auto list = co_await ctx_.reads.live(who.admin() ? ctx_.departments.ids() : who.departments);
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.assigned_ms < b.assigned_ms; });
  core::json_writer j;
  j.begin_object().key("conversations").begin_array();
  for (const auto& c : list) {
    j.begin_object();
    j.key("conversation_id").value(c.conversation_id);
    j.key("department").value(c.department);
    j.key("agent_id").value(c.agent_id);
    j.key("agent_name").value(c.agent_name);
    j.key("visitor_name").value(c.visitor_name);
    j.key("assigned_ms").value(c.assigned_ms);
    j.key("last_seq").value(c.seq);
    j.end_object();
  }
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::offline_messages(
    const core::agent_claims& who, const std::map<std::string, std::string>& params) {
  std::vector<std::string> departments;
  auto d = params.find("department");
  if (d != params.end() && !d->second.empty()) {
    if (!core::is_operator_id(d->second)) {
      co_return error_reply(400, "bad_request", "malformed department");
    }
    const auto& mine = who.departments;
    if (!who.admin() && std::find(mine.begin(), mine.end(), d->second) == mine.end()) {
      co_return error_reply(403, "forbidden", "not an agent of that department");
    }
    departments.push_back(d->second);
  } else if (!who.admin()) {
    departments = who.departments;
  }
  std::uint32_t limit = 50;
  auto l = params.find("limit");
  if (l != params.end()) {
    auto v = core::parse_count(l->second, 500);
    if (!v) co_return error_reply(400, "bad_request", "'limit' must be an integer in 1..500");
    limit = static_cast<std::uint32_t>(*v);
  }
  auto list = co_await ctx_.reads.offline_list(departments, limit);
  core::json_writer j;
  j.begin_object().key("messages").begin_array();
  for (const auto& m : list) {
    j.begin_object();
    j.key("id").value(m.id());
    j.key("name").value(m.display_name());
    j.key("email").value(m.email());
    j.key("department").value(m.department());
    j.key("text").value(m.text());
    j.key("at_ms").value(m.at_ms());
    j.key("visitor_id").value(m.visitor_id());
    j.key("replied_at_ms").value(m.replied_at_ms());
    j.key("replied_by").value(m.replied_by());
    j.end_object();
  }
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

}  // namespace lc::service
