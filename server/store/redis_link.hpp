#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/store/endpoint.hpp"

struct redisAsyncContext;

namespace lc::store {

class hiredis_asio;

// One hiredis connection that keeps itself connected: it reconnects with capped exponential
// backoff whenever the connection fails or drops, and tells its subclass when it is up or down.
class redis_link {
 public:
  redis_link(boost::asio::io_context& io, endpoint ep, std::string name);
  virtual ~redis_link();
  redis_link(const redis_link&) = delete;
  redis_link& operator=(const redis_link&) = delete;

  void start();
  void stop();  // disconnects and stops reconnecting
  bool connected() const { return ctx_ != nullptr && up_; }

 protected:
  virtual void on_up() = 0;    // connected; ctx() is usable
  virtual void on_down() = 0;  // disconnected; pending callbacks have already failed
  redisAsyncContext* ctx() const { return ctx_; }
  boost::asio::io_context& io() { return io_; }
  const std::string& name() const { return name_; }
  // Drops the connection now (hung Redis, timed-out request); a reconnect follows.
  void drop();

 private:
  static void on_connect_cb(const redisAsyncContext* c, int status);
  static void on_disconnect_cb(const redisAsyncContext* c, int status);
  void do_connect();
  void on_connect(int status);
  void on_disconnect();
  void do_schedule_reconnect();

  boost::asio::io_context& io_;
  endpoint ep_;
  std::string name_;
  redisAsyncContext* ctx_ = nullptr;
  std::shared_ptr<hiredis_asio> adapter_;
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_{50};
  bool up_ = false;
  bool stopped_ = true;
};

}  // namespace lc::store
