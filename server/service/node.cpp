#include "server/service/node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/use_awaitable.hpp>

#include "server/service/archiver.hpp"
#include "server/service/matcher.hpp"
#include "server/service/queue_status.hpp"
#include "server/service/record_call.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;

namespace {
constexpr int sweep_batch = 100;
// How soon an edit in /admin reaches the other nodes.
constexpr std::chrono::seconds department_refresh{5};
// Well inside the live visitor list's minute (lc_site_alive): a visitor stays listed while a
// connection of theirs is open here.
constexpr std::chrono::seconds site_heartbeat{10};
constexpr std::size_t site_batch = 500;
constexpr const char* idle_prompt_text =
    "Are you still there? This chat will close soon if there is no reply.";
}  // namespace

node::node(const service_context& ctx, connections& conns, matcher& match, queue_status& queue,
           archiver& archive)
    : ctx_(ctx),
      conns_(conns),
      match_(match),
      queue_(queue),
      archiver_(archive),
      tick_timer_(ctx.io) {}

void node::start() {
  schedule_tick();
}

void node::on_redis_ready() {
  ctx_.spawn(tick(), "tick on ready");
}

void node::schedule_tick() {
  if (draining_) return;
  tick_timer_.expires_after(ctx_.options.tick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || draining_) return;
    ctx_.spawn(tick(), "tick");
    schedule_tick();
  });
}

task node::tick() {
  // One at a time: a tick on (re)connect and the periodic one must not both take a lease.
  if (draining_ || ticking_) co_return;
  ticking_ = true;
  try {
    co_await tick_once();
  } catch (...) {
    ticking_ = false;
    throw;
  }
  ticking_ = false;
}

task node::tick_once() {
  co_await renew_lease();
  store::sweep_params sweep{sweep_batch, ctx_.options.agent_grace, ctx_.options.visitor_grace,
                            ctx_.options.reassign_sets_away};
  auto swept = co_await ctx_.store.sweep(sweep);
  for (const auto& item : swept) {
    if (item.what == store::sweep_item::outcome::requeued) match_.request(item.department);
    if (item.what == store::sweep_item::outcome::reassigned) {
      ctx_.metrics.add("livechat_reassigned_total", 1, {{"department", item.department}});
      match_.request(item.department);
    }
    if (item.what == store::sweep_item::outcome::abandoned) {
      ctx_.metrics.add("livechat_conversations_closed_total", 1, {{"department", item.department}});
      archiver_.archive(item.conversation_id);
    }
  }
  co_await close_idle_chats();
  for (const auto& d : ctx_.departments.ids()) match_.request(d);
  archiver_.tick();
  co_await refresh_departments();
  co_await keep_site_visitors();
}

task node::keep_site_visitors() {
  const auto now = std::chrono::steady_clock::now();
  if (now - site_kept_ < site_heartbeat) co_return;
  site_kept_ = now;
  auto visitors = conns_.site_visitors();
  for (std::size_t at = 0; at < visitors.size(); at += site_batch) {
    const auto end = std::min(visitors.size(), at + site_batch);
    // A named local: GCC 12 destroys a temporary in a co_await twice.
    std::vector<std::string> batch(visitors.begin() + static_cast<std::ptrdiff_t>(at),
                                   visitors.begin() + static_cast<std::ptrdiff_t>(end));
    co_await ctx_.store.site_alive(std::move(batch));
  }
}

task node::refresh_departments() {
  const auto now = std::chrono::steady_clock::now();
  if (ctx_.record == nullptr || now - departments_read_ < department_refresh) co_return;
  departments_read_ = now;
  const bool seed = !departments_seeded_;
  record_work<std::vector<record::department_row>> read =
      [seed, ids = ctx_.options.departments](record::pg_connection& db) {
        if (seed) record::seed_departments(db, ids);
        return record::list_departments(db);
      };
  try {
    auto rows = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
    departments_seeded_ = true;
    for (const auto& added : ctx_.departments.replace(rows)) match_.request(added);
  } catch (const std::exception& e) {
    // PostgreSQL down: the departments stay as last read, and chat goes on.
    spdlog::debug("departments not refreshed: {}", e.what());
  }
}

task node::close_idle_chats() {
  const auto policies = ctx_.departments.with_idle_policy();
  if (policies.empty()) co_return;
  // Often enough for the shortest prompt time to be kept within a quarter of it; at most every
  // tick, at least every ten seconds.
  std::chrono::milliseconds every{10000};
  store::idle_params p;
  p.text = idle_prompt_text;
  for (const auto* d : policies) {
    const std::chrono::seconds prompt{d->settings.idle_prompt_after_seconds};
    const std::chrono::seconds close{d->settings.idle_close_after_seconds};
    p.policies.push_back({d->settings.id, prompt, close});
    every = std::min<std::chrono::milliseconds>(every, prompt / 4);
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - idle_checked_ < every) co_return;
  idle_checked_ = now;
  for (const auto& item : co_await ctx_.store.idle(std::move(p))) {
    if (!item.closed) continue;
    ctx_.metrics.add("livechat_conversations_closed_total", 1, {{"department", item.department}});
    ctx_.metrics.add("livechat_idle_closed_total", 1, {{"department", item.department}});
    archiver_.archive(item.conversation_id);
    match_.request(item.department);
  }
}

task node::renew_lease() {
  const auto ttl = ctx_.options.lease_ttl;
  if (lease_epoch_ != 0) {
    if (co_await ctx_.store.lease(ctx_.options.node_id, ttl, lease_epoch_) != 0) co_return;
    spdlog::warn("node {}: lease lost (paused or cut off past {} ms): rejoining",
                 ctx_.options.node_id, ttl.count());
    lease_lost();
  }
  lease_epoch_ = co_await ctx_.store.lease(ctx_.options.node_id, ttl, 0);
  ctx_.store.set_fence(ctx_.options.node_id, lease_epoch_);
  spdlog::info("node {}: lease acquired, epoch {}", ctx_.options.node_id, lease_epoch_);
}

void node::lease_lost() {
  lease_epoch_ = 0;
  for (const auto& s : conns_.all()) s->close(1012, "node rejoining: reconnect");
}

void node::drain() {
  draining_ = true;
  tick_timer_.cancel();
  queue_.stop();
  match_.stop();
  pb::ServerEnvelope env;
  env.mutable_reconnect()->set_after_ms(0);
  auto f = encode(env);
  for (const auto& s : conns_.all()) {
    s->send(f);
    s->close(1012, "server restarting: reconnect");
  }
}

void node::finish_drain(std::chrono::steady_clock::time_point deadline,
                        std::function<std::size_t()> in_flight, std::function<void()> done) {
  ctx_.spawn(release_when_idle(deadline, std::move(in_flight), std::move(done)), "drain");
}

task node::release_when_idle(std::chrono::steady_clock::time_point deadline,
                             std::function<std::size_t()> in_flight, std::function<void()> done) {
  asio::steady_timer wait(ctx_.io);
  while (in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(asio::use_awaitable);
  }
  try {
    if (lease_epoch_ != 0) co_await ctx_.store.release(ctx_.options.node_id, lease_epoch_);
  } catch (const std::exception& e) {
    spdlog::warn("drain: releasing the lease failed: {}", e.what());
  }
  done();
}

void node::archive(const std::string& conv) {
  archiver_.archive(conv);
}

}  // namespace lc::service
