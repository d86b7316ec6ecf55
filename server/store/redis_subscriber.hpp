#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/store/redis_link.hpp"

namespace lc::store {

// The Pub/Sub connection. Pub/Sub is only a wake-up (at-most-once): after every (re)subscribe
// `on_subscribed` fires so the owner can catch up from the streams it may have missed.
class redis_subscriber : public redis_link {
 public:
  using message_handler = std::function<void(const std::string& channel, std::string payload)>;

  redis_subscriber(boost::asio::io_context& io, endpoint ep, std::vector<std::string> channels,
                   message_handler on_message, std::function<void()> on_subscribed);
  ~redis_subscriber() override { stop(); }

  bool subscribed() const { return subscribed_; }

 private:
  static void on_message_cb(redisAsyncContext* c, void* r, void* privdata);
  void on_up() override;
  void on_down() override;

  std::vector<std::string> channels_;
  message_handler on_message_;
  std::function<void()> on_subscribed_;
  std::size_t confirmed_ = 0;
  bool subscribed_ = false;
};

}  // namespace lc::store
