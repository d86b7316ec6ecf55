#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "server/store/redis_link.hpp"
#include "server/store/reply.hpp"

namespace lc::store {

// The command connection: pipelines requests on one hiredis context, fails each one that
// outlives its deadline by dropping the connection (hiredis 0.14 has no command timeouts), and
// (re)loads the Functions library after every connect before it reports ready.
class redis_connection : public redis_link {
 public:
  using callback = std::function<void(std::error_code, reply)>;

  redis_connection(boost::asio::io_context& io, endpoint ep, std::chrono::milliseconds timeout,
                   std::string functions_source);
  // Stops here, while this object's callbacks can still run against a whole object.
  ~redis_connection() override { stop(); }

  // Sends one command; `cb` runs later on the event loop, never inside this call. The error is
  // errc::not_connected before the connection is ready and errc::timed_out past the deadline.
  void exec(const std::vector<std::string>& args, callback cb);
  bool ready() const { return ready_; }
  // Called every time the connection becomes ready (after the functions are loaded).
  void set_on_ready(std::function<void()> f) { on_ready_ = std::move(f); }
  // Latency of each completed command, for the Redis latency histogram.
  void set_on_latency(std::function<void(double seconds)> f) { on_latency_ = std::move(f); }

 private:
  struct pending {
    redis_connection* owner;
    callback cb;
    std::chrono::steady_clock::time_point sent;
    std::uint64_t id;
  };
  static void on_reply_cb(redisAsyncContext* c, void* r, void* privdata);

  void on_up() override;
  void on_down() override;
  void send(const std::vector<std::string>& args, callback cb);
  void do_arm_deadline();

  std::chrono::milliseconds timeout_;
  std::string functions_source_;
  std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> in_flight_;
  std::uint64_t next_id_ = 1;
  boost::asio::steady_timer deadline_timer_;
  bool deadline_armed_ = false;
  bool timed_out_ = false;
  bool demoted_ = false;  // saw READONLY: a reconnect is on its way
  bool ready_ = false;
  std::function<void()> on_ready_;
  std::function<void(double)> on_latency_;
};

}  // namespace lc::store
