#include "server/service/rest_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include <boost/asio/co_spawn.hpp>

#include "server/core/csv.hpp"
#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/query.hpp"
#include "server/core/response_clock.hpp"
#include "server/core/stats.hpp"
#include "server/service/envelopes.hpp"
#include "server/store/store_error.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
const char* const measures[] = {"queue_wait", "first_response", "response",
                                "resolution", "rating",         "missed"};

http_response json_reply(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response error_reply(unsigned status, std::string_view code, std::string_view message) {
  return json_reply(status, core::json_error(code, message));
}

std::string iso_time(std::int64_t ms) {
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

const char* role_name(pb::Role r) {
  switch (r) {
    case pb::ROLE_VISITOR:
      return "visitor";
    case pb::ROLE_AGENT:
      return "agent";
    case pb::ROLE_SYSTEM:
      return "system";
    default:
      return "unknown";
  }
}

}  // namespace

void rest_api::handle(http_request request, std::function<void(http_response)> done) {
  asio::co_spawn(io_, route(std::move(request)),
                 [done = std::move(done)](const std::exception_ptr& e, http_response r) {
                   if (!e) {
                     done(std::move(r));
                     return;
                   }
                   try {
                     std::rethrow_exception(e);
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
  constexpr std::string_view bearer = "Bearer ";
  std::string_view auth = request.authorization;
  if (auth.substr(0, bearer.size()) != bearer) co_return std::nullopt;
  auth.remove_prefix(bearer.size());
  auto claims = core::verify_agent_token(auth, options_.secret, wall_clock_ms() / 1000);
  if (!claims) co_return std::nullopt;
  if (claims->issued_at_ms < co_await reads_.agent_not_before(claims->agent_id)) {
    co_return std::nullopt;
  }
  co_return claims;
}

asio::awaitable<http_response> rest_api::route(http_request request) {
  auto target = core::parse_target(request.target);
  if (!target) co_return error_reply(400, "bad_request", "malformed request target");
  const auto& path = target->path;
  const bool post = request.method == "POST";
  if (request.method != "GET" && request.method != "HEAD" && !post) {
    co_return error_reply(405, "method_not_allowed", "only GET and POST are supported here");
  }
  if (path == "/healthz") co_return json_reply(200, R"({"status":"ok"})");
  if (path == "/readyz") {
    if (ready_()) co_return json_reply(200, R"({"status":"ready"})");
    co_return error_reply(503, "not_ready", "redis not connected or functions not loaded");
  }
  if (path == "/metrics") co_return co_await metrics();
  if (path.rfind("/api/", 0) != 0) co_return error_reply(404, "not_found", "no such resource");

  auto who = co_await authenticate(request);
  if (!who) {
    co_return error_reply(401, "unauthenticated",
                          "send an agent or admin token as 'Authorization: Bearer <token>'");
  }
  constexpr std::string_view agent_prefix = "/api/agents/";
  constexpr std::string_view revoke_suffix = "/revoke";
  if (post) {
    if (path.rfind(agent_prefix, 0) == 0 &&
        path.size() > agent_prefix.size() + revoke_suffix.size() &&
        path.compare(path.size() - revoke_suffix.size(), revoke_suffix.size(), revoke_suffix) ==
            0) {
      auto agent = path.substr(agent_prefix.size(),
                               path.size() - agent_prefix.size() - revoke_suffix.size());
      co_return co_await revoke(*who, agent);
    }
    co_return error_reply(405, "method_not_allowed", "only GET is supported here");
  }
  constexpr std::string_view conv_prefix = "/api/conversations/";
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
  co_return error_reply(404, "not_found", "no such resource");
}

asio::awaitable<http_response> rest_api::metrics() {
  auto& m = metrics_;
  const bool up = ready_();
  m.set("livechat_redis_up", up ? 1 : 0);
  if (up) {
    auto overview = co_await reads_.overview(options_.departments);
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

asio::awaitable<http_response> rest_api::conversation(const core::agent_claims& who,
                                                      const std::string& id) {
  auto rec = co_await reads_.conversation(id);
  if (!rec) co_return error_reply(404, "not_found", "no such conversation");
  auto events = co_await reads_.events(id, 0);
  // Agents see the conversations that were ever assigned to them; admins see all.
  bool allowed = who.admin || rec->agent_id == who.agent_id;
  std::vector<core::clock_event> clock;
  for (const auto& e : events) {
    if (e.agent_id() == who.agent_id) allowed = true;
    clock.push_back(
        {e.kind(), e.sender_role(), e.sender_id(), e.agent_id(), e.department(), e.at_ms()});
  }
  if (!allowed) co_return error_reply(404, "not_found", "no such conversation");
  auto times = core::measure_conversation(clock);

  core::json_writer j;
  j.begin_object();
  j.key("id").value(id);
  j.key("state").value(store::state_name(rec->state));
  j.key("department").value(rec->department);
  j.key("agent_id").value(rec->agent_id);
  j.key("agent_name").value(rec->agent_name);
  j.key("joined_at_ms").value(rec->joined_ms);
  j.key("assigned_at_ms").value(rec->assigned_ms);
  j.key("closed_at_ms").value(rec->closed_ms);
  j.key("visitor").begin_object();
  j.key("id").value(rec->visitor_id);
  j.key("name").value(rec->visitor_name);
  j.key("email").value(rec->email);
  j.key("page_url").value(rec->page_url);
  j.key("metadata").begin_object();
  for (const auto& [k, v] : rec->metadata) j.key(k).value(v);
  j.end_object();
  j.end_object();
  if (rec->rating == 0) {
    j.key("rating").null();
  } else {
    j.key("rating").value(static_cast<std::uint64_t>(rec->rating));
  }
  j.key("comment").value(rec->comment);
  j.key("times").begin_object();
  j.key("closed").value(times.closed);
  j.key("missed").value(times.missed);
  j.key("visitor_messages").value(static_cast<std::uint64_t>(times.visitor_messages));
  j.key("agent_messages").value(static_cast<std::uint64_t>(times.agent_messages));
  std::optional<std::int64_t> frt, resolution;
  j.key("queue_waits_ms").begin_array();
  for (const auto& m : times.measurements) {
    if (m.what == core::measure::queue_wait) j.value(m.value_ms);
    if (m.what == core::measure::first_response) frt = m.value_ms;
    if (m.what == core::measure::resolution) resolution = m.value_ms;
  }
  j.end_array();
  j.key("response_times_ms").begin_array();
  for (const auto& m : times.measurements) {
    if (m.what == core::measure::response) j.value(m.value_ms);
  }
  j.end_array();
  j.key("first_response_ms");
  frt ? j.value(*frt) : j.null();
  j.key("resolution_ms");
  resolution ? j.value(*resolution) : j.null();
  j.key("measurements").begin_array();
  for (const auto& m : times.measurements) {
    j.begin_object();
    j.key("measure").value(core::measure_name(m.what));
    j.key("value_ms").value(m.value_ms);
    j.key("at_ms").value(m.at_ms);
    j.key("agent_id").value(m.agent_id);
    j.key("department").value(m.department);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  j.key("events").begin_array();
  for (const auto& e : events) {
    j.begin_object();
    j.key("seq").value(e.seq());
    j.key("kind").value(pb::EventKind_Name(e.kind()));
    j.key("role").value(role_name(e.sender_role()));
    j.key("sender_id").value(e.sender_id());
    j.key("sender_name").value(e.sender_name());
    j.key("text").value(e.text());
    j.key("at_ms").value(e.at_ms());
    if (!e.agent_id().empty()) j.key("agent_id").value(e.agent_id());
    if (!e.department().empty()) j.key("department").value(e.department());
    j.end_object();
  }
  j.end_array();
  j.end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::revoke(const core::agent_claims& who,
                                                const std::string& agent) {
  if (!who.admin) co_return error_reply(403, "forbidden", "only admins may revoke tokens");
  if (!core::is_operator_id(agent)) co_return error_reply(400, "bad_request", "malformed agent id");
  const auto not_before = co_await store_.revoke_agent(agent);
  core::json_writer j;
  j.begin_object().key("agent").value(agent).key("not_before_ms").value(not_before).end_object();
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::stats(const core::agent_claims& who,
                                               const std::map<std::string, std::string>& params,
                                               bool csv) {
  auto param = [&](const char* k) {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  };
  const auto now = wall_clock_ms();
  std::int64_t to = now, from = now - day_ms;
  if (!param("to").empty()) {
    auto t = core::parse_time_ms(param("to"));
    if (!t) co_return error_reply(400, "bad_request", "'to' must be unix ms or ISO-8601 UTC");
    to = *t;
  }
  if (!param("from").empty()) {
    auto f = core::parse_time_ms(param("from"));
    if (!f) co_return error_reply(400, "bad_request", "'from' must be unix ms or ISO-8601 UTC");
    from = *f;
  }
  if (from > to) co_return error_reply(400, "bad_request", "'from' is after 'to'");
  const auto department = param("department");
  const auto agent = param("agent");
  if (!department.empty() && !core::is_operator_id(department)) {
    co_return error_reply(400, "bad_request", "malformed department");
  }
  if (!agent.empty() && !core::is_operator_id(agent)) {
    co_return error_reply(400, "bad_request", "malformed agent");
  }
  const auto& mine = who.departments;
  const auto is_mine = [&](const std::string& d) {
    return who.admin || std::find(mine.begin(), mine.end(), d) != mine.end();
  };
  if (!department.empty() && !is_mine(department)) {
    co_return error_reply(403, "forbidden", "not an agent of that department");
  }
  for (const auto& [k, v] : params) {
    if (k != "from" && k != "to" && k != "department" && k != "agent") {
      co_return error_reply(400, "bad_request", "unknown parameter '" + k + "'");
    }
  }

  std::string out_csv = "measure,at_ms,at,conversation_id,department,agent_id,value\n";
  core::json_writer j;
  j.begin_object();
  j.key("from_ms").value(from);
  j.key("to_ms").value(to);
  j.key("department").value(department);
  j.key("agent").value(agent);
  j.key("measures").begin_object();
  std::size_t conversations = 0, missed = 0;
  for (const char* measure : measures) {
    auto rows = co_await reads_.records(measure, from, to);
    std::vector<double> values;
    for (const auto& r : rows) {
      if (!department.empty() && r.department != department) continue;
      if (!is_mine(r.department)) continue;
      if (!agent.empty() && r.agent_id != agent) continue;
      values.push_back(static_cast<double>(r.value));
      if (csv) {
        out_csv += std::string(measure) + "," + std::to_string(r.at_ms) + "," + iso_time(r.at_ms) +
                   "," + core::csv_cell(r.conversation_id) + "," + core::csv_cell(r.department) +
                   "," + core::csv_cell(r.agent_id) + "," + std::to_string(r.value) + "\n";
      }
    }
    if (std::string_view(measure) == "resolution") conversations = values.size();
    if (std::string_view(measure) == "missed") {
      missed = values.size();
      continue;
    }
    auto s = core::summarize(values);
    const bool is_ms = std::string_view(measure) != "rating";
    j.key(measure).begin_object();
    j.key("count").value(static_cast<std::uint64_t>(s.count));
    j.key(is_ms ? "mean_ms" : "mean").value(s.mean);
    j.key(is_ms ? "p50_ms" : "p50").value(s.p50);
    j.key(is_ms ? "p90_ms" : "p90").value(s.p90);
    j.key(is_ms ? "p99_ms" : "p99").value(s.p99);
    j.key(is_ms ? "max_ms" : "max").value(s.max);
    j.end_object();
  }
  j.end_object();
  j.key("conversations_closed").value(static_cast<std::uint64_t>(conversations));
  j.key("missed").value(static_cast<std::uint64_t>(missed));
  j.end_object();
  if (csv) {
    http_response r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"livechat-stats.csv\"");
    r.body = std::move(out_csv);
    co_return r;
  }
  co_return json_reply(200, j.str());
}

asio::awaitable<http_response> rest_api::agents() {
  auto list = co_await reads_.agents();
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

asio::awaitable<http_response> rest_api::offline_messages(
    const core::agent_claims& who, const std::map<std::string, std::string>& params) {
  std::vector<std::string> departments;
  auto d = params.find("department");
  if (d != params.end() && !d->second.empty()) {
    if (!core::is_operator_id(d->second)) {
      co_return error_reply(400, "bad_request", "malformed department");
    }
    const auto& mine = who.departments;
    if (!who.admin && std::find(mine.begin(), mine.end(), d->second) == mine.end()) {
      co_return error_reply(403, "forbidden", "not an agent of that department");
    }
    departments.push_back(d->second);
  } else if (!who.admin) {
    departments = who.departments;
  }
  std::uint32_t limit = 50;
  auto l = params.find("limit");
  if (l != params.end()) {
    auto v = core::parse_count(l->second, 500);
    if (!v) co_return error_reply(400, "bad_request", "'limit' must be an integer in 1..500");
    limit = static_cast<std::uint32_t>(*v);
  }
  auto list = co_await reads_.offline_list(departments, limit);
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
    j.end_object();
  }
  j.end_array().end_object();
  co_return json_reply(200, j.str());
}

}  // namespace lc::service
