#include "server/store/redis_subscriber.hpp"

#include <hiredis/async.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace lc::store {

redis_subscriber::redis_subscriber(boost::asio::io_context& io, endpoint ep,
                                   std::vector<std::string> channels, message_handler on_message,
                                   std::function<void()> on_subscribed)
    : redis_link(io, std::move(ep), "pubsub"),
      channels_(std::move(channels)),
      on_message_(std::move(on_message)),
      on_subscribed_(std::move(on_subscribed)) {}

void redis_subscriber::on_up() {
  confirmed_ = 0;
  std::vector<const char*> argv{"SUBSCRIBE"};
  std::vector<size_t> lens{9};
  for (const auto& ch : channels_) {
    argv.push_back(ch.data());
    lens.push_back(ch.size());
  }
  redisAsyncCommandArgv(ctx(), &redis_subscriber::on_message_cb, this,
                        static_cast<int>(argv.size()), argv.data(), lens.data());
}

void redis_subscriber::on_down() {
  subscribed_ = false;
}

void redis_subscriber::on_message_cb(redisAsyncContext* c, void* r, void* privdata) {
  auto* self = static_cast<redis_subscriber*>(privdata);
  auto* reply = static_cast<redisReply*>(r);
  if (reply == nullptr || c->data == nullptr) return;  // disconnecting
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
  std::string kind(reply->element[0]->str, reply->element[0]->len);
  if (kind == "subscribe") {
    if (++self->confirmed_ == self->channels_.size()) {
      self->subscribed_ = true;
      spdlog::info("redis pubsub: subscribed to {} channels", self->channels_.size());
      boost::asio::post(self->io(), [self] {
        if (self->on_subscribed_) self->on_subscribed_();
      });
    }
    return;
  }
  if (kind != "message") return;
  std::string channel(reply->element[1]->str, reply->element[1]->len);
  std::string payload(reply->element[2]->str, reply->element[2]->len);
  boost::asio::post(self->io(),
                    [self, channel = std::move(channel), payload = std::move(payload)]() mutable {
                      self->on_message_(channel, std::move(payload));
                    });
}

}  // namespace lc::store
