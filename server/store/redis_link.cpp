#include "server/store/redis_link.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include "server/store/hiredis_asio.hpp"

#include <cstdlib>
#include <optional>
#include <tuple>

#include <cstdlib>
#include <optional>
#include <tuple>

namespace lc::store {

namespace asio = boost::asio;

redis_link::redis_link(asio::io_context& io, endpoint ep, std::string name)
    : io_(io), ep_(std::move(ep)), name_(std::move(name)), retry_timer_(io) {}

redis_link::~redis_link() {
  stop();
}

void redis_link::start() {
  stopped_ = false;
  do_connect();
}

void redis_link::stop() {
  stopped_ = true;
  retry_timer_.cancel();
  if (ctx_ != nullptr) {
    auto* c = ctx_;
    ctx_ = nullptr;
    c->data = nullptr;  // callbacks fired by the free must not reach this object
    redisAsyncFree(c);
  }
  up_ = false;
}

void redis_link::drop() {
  if (ctx_ == nullptr) return;
  spdlog::warn("redis {}: dropping connection", name_);
  redisAsyncFree(ctx_);  // fails pending callbacks, then on_disconnect_cb
}

namespace {

// Asks the sentinels, in order, for the current primary of `name`. Blocking, bounded by a short
// timeout per sentinel: it runs only when (re)connecting, never per request.
std::optional<std::pair<std::string, std::uint16_t>> ask_sentinels(const endpoint& ep) {
  const timeval timeout{0, 250000};
  for (const auto& [host, port] : ep.sentinels) {
    redisContext* c = redisConnectWithTimeout(host.c_str(), port, timeout);
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      continue;
    }
    redisSetTimeout(c, timeout);
    auto* r = static_cast<redisReply*>(
        redisCommand(c, "SENTINEL get-master-addr-by-name %s", ep.master_name.c_str()));
    std::optional<std::pair<std::string, std::uint16_t>> out;
    if (r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
      out.emplace(std::string(r->element[0]->str, r->element[0]->len),
                  static_cast<std::uint16_t>(std::atoi(r->element[1]->str)));
    }
    if (r != nullptr) freeReplyObject(r);
    redisFree(c);
    if (out) return out;
  }
  return std::nullopt;
}

}  // namespace

void redis_link::do_connect() {
  if (stopped_) return;
  std::string host = ep_.host;
  std::uint16_t port = ep_.port;
  if (!ep_.sentinels.empty()) {
    auto primary = ask_sentinels(ep_);
    if (!primary) {
      spdlog::warn("redis {}: no sentinel knows a primary for '{}'", name_, ep_.master_name);
      do_schedule_reconnect();
      return;
    }
    std::tie(host, port) = *primary;
    spdlog::info("redis {}: sentinels report primary {}:{}", name_, host, port);
  }
  redisAsyncContext* c = ep_.unix_socket.empty() || !ep_.sentinels.empty()
                             ? redisAsyncConnect(host.c_str(), port)
                             : redisAsyncConnectUnix(ep_.unix_socket.c_str());
  if (c == nullptr || c->err != 0) {
    spdlog::debug("redis {}: connect failed: {}", name_, c ? c->errstr : "out of memory");
    if (c != nullptr) redisAsyncFree(c);
    do_schedule_reconnect();
    return;
  }
  c->data = this;
  ctx_ = c;
  adapter_ = hiredis_asio::attach(io_, c);
  redisAsyncSetConnectCallback(c, &redis_link::on_connect_cb);
  redisAsyncSetDisconnectCallback(c, &redis_link::on_disconnect_cb);
}

void redis_link::on_connect_cb(const redisAsyncContext* c, int status) {
  if (auto* self = static_cast<redis_link*>(c->data)) self->on_connect(status);
}

void redis_link::on_disconnect_cb(const redisAsyncContext* c, int status) {
  if (auto* self = static_cast<redis_link*>(c->data)) self->on_disconnect();
}

void redis_link::on_connect(int status) {
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback returns.
    spdlog::debug("redis {}: connect failed: {}", name_, ctx_ ? ctx_->errstr : "");
    ctx_ = nullptr;
    do_schedule_reconnect();
    return;
  }
  backoff_ = std::chrono::milliseconds(50);
  up_ = true;
  spdlog::info("redis {}: connected", name_);
  on_up();
}

void redis_link::on_disconnect() {
  bool was_up = up_;
  ctx_ = nullptr;
  up_ = false;
  if (was_up) {
    spdlog::warn("redis {}: connection lost", name_);
    on_down();
  }
  do_schedule_reconnect();
}

void redis_link::do_schedule_reconnect() {
  if (stopped_) return;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2000));
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) do_connect();
  });
}

}  // namespace lc::store
