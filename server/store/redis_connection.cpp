#include "server/store/redis_connection.hpp"

#include <hiredis/async.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "server/store/resp.hpp"

namespace lc::store {

namespace asio = boost::asio;

namespace {

reply copy_reply(const redisReply* r) {
  reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

redis_connection::redis_connection(asio::io_context& io, endpoint ep,
                                   std::chrono::milliseconds timeout, std::string functions_source)
    : redis_link(io, std::move(ep), "commands"),
      timeout_(timeout),
      functions_source_(std::move(functions_source)),
      deadline_timer_(io) {}

void redis_connection::exec(const std::vector<std::string>& args, callback cb) {
  if (!ready_) {
    asio::post(io(),
               [cb = std::move(cb)] { cb(std::make_error_code(std::errc::not_connected), {}); });
    return;
  }
  send(args, std::move(cb));
}

void redis_connection::send(const std::vector<std::string>& args, callback cb) {
  const auto command = resp_command(args);
  auto now = std::chrono::steady_clock::now();
  auto* p = new pending{this, std::move(cb), now, next_id_++};
  int rc = redisAsyncFormattedCommand(ctx(), &redis_connection::on_reply_cb, p, command.data(),
                                      command.size());
  if (rc != REDIS_OK) {
    auto failed = std::move(p->cb);
    delete p;
    asio::post(io(), [failed = std::move(failed)] {
      failed(std::make_error_code(std::errc::not_connected), {});
    });
    return;
  }
  in_flight_.emplace_back(p->id, now + timeout_);
  do_arm_deadline();
}

void redis_connection::on_reply_cb(redisAsyncContext* c, void* r, void* privdata) {
  std::unique_ptr<pending> p(static_cast<pending*>(privdata));
  auto* self = p->owner;
  std::error_code ec;
  reply out;
  if (r == nullptr) {
    ec = std::make_error_code(self->timed_out_ ? std::errc::timed_out : std::errc::not_connected);
  } else {
    out = copy_reply(static_cast<redisReply*>(r));
    if (self->on_latency_) {
      self->on_latency_(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - p->sent).count());
    }
  }
  // Replies arrive in request order on a command connection.
  if (!self->in_flight_.empty() && self->in_flight_.front().first == p->id) {
    self->in_flight_.pop_front();
  }
  // A primary demoted by a failover answers writes with READONLY: reconnect, and the link asks
  // the sentinels where the primary is now. The request fails as unavailable, to be retried.
  if (out.is_error() && out.str.rfind("READONLY", 0) == 0 && !self->demoted_) {
    self->demoted_ = true;
    out = reply{};
    ec = std::make_error_code(std::errc::not_connected);
    asio::post(self->io(), [self] { self->drop(); });
  }
  // Never run user code inside hiredis's callback: it may issue commands or drop the link.
  asio::post(self->io(), [cb = std::move(p->cb), ec, out = std::move(out)]() mutable {
    cb(ec, std::move(out));
  });
}

void redis_connection::do_arm_deadline() {
  if (deadline_armed_ || in_flight_.empty()) return;
  deadline_armed_ = true;
  deadline_timer_.expires_at(in_flight_.front().second);
  deadline_timer_.async_wait([this](boost::system::error_code ec) {
    deadline_armed_ = false;
    if (ec) return;
    if (!in_flight_.empty() && in_flight_.front().second <= std::chrono::steady_clock::now()) {
      spdlog::warn("redis: a request passed its {} ms deadline", timeout_.count());
      timed_out_ = true;
      drop();
      timed_out_ = false;
      return;
    }
    do_arm_deadline();
  });
}

void redis_connection::on_up() {
  if (functions_source_.empty()) {
    ready_ = true;
    if (on_ready_) on_ready_();
    return;
  }
  // The function library is (re)loaded on every connect: a restarted or failed-over Redis
  // may not have it, and a new server version must replace the old one.
  send({"FUNCTION", "LOAD", "REPLACE", functions_source_},
       [this](std::error_code ec, const reply& r) {
         if (ec || r.is_error()) {
           spdlog::error("redis: FUNCTION LOAD failed: {}", ec ? ec.message() : r.str);
           drop();
           return;
         }
         ready_ = true;
         spdlog::info("redis: functions loaded, ready");
         if (on_ready_) on_ready_();
       });
}

void redis_connection::on_down() {
  ready_ = false;
  demoted_ = false;
  in_flight_.clear();
  deadline_timer_.cancel();
}

}  // namespace lc::store
