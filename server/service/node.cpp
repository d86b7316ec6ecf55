#include "server/service/node.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "server/service/archiver.hpp"
#include "server/service/matcher.hpp"
#include "server/service/queue_status.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;

namespace {
constexpr int sweep_batch = 100;
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
                            ctx_.options.reassign_after, ctx_.options.reassign_sets_away};
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
  for (const auto& d : ctx_.options.departments) match_.request(d);
  archiver_.tick();
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
