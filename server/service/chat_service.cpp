#include "server/service/chat_service.hpp"

#include <spdlog/spdlog.h>

#include "server/service/service_metrics.hpp"
#include "server/store/keys.hpp"
#include "server/store/wakeup.hpp"

namespace lc::service {

namespace pb = livechat::v1;

chat_service::chat_service(boost::asio::io_context& io, store::redis_connection& redis,
                           store::endpoint redis_endpoint, service_options options,
                           record::record_pool* record)
    : options_(std::move(options)),
      redis_(redis),
      store_(redis),
      reads_(redis),
      ban_keys_(redis),
      departments_(options_.departments, options_.reassign_after),
      ctx_{io, options_, departments_, metrics_, store_, reads_, ban_keys_, record},
      conns_(metrics_),
      matcher_(ctx_, redis_endpoint),
      queue_(ctx_, conns_, matcher_),
      delivery_(ctx_, conns_, queue_, matcher_),
      monitor_(ctx_, conns_, delivery_),
      archiver_(ctx_),
      node_(ctx_, conns_, matcher_, queue_, archiver_),
      bans_(ctx_,
            [this](const std::string& conv, const std::string& department) {
              node_.archive(conv);
              matcher_.request(department);
            }),
      webhooks_(ctx_),
      mail_(ctx_),
      files_(ctx_),
      invitations_(ctx_, conns_),
      board_(ctx_, conns_),
      requests_(ctx_, conns_, delivery_, queue_, matcher_, node_, monitor_, board_),
      rest_(
          ctx_, bans_, webhooks_, [this] { return ready(); },
          [this] { return archiver_.degraded(); }) {
  declare_metrics(metrics_);
  ctx_.webhooks = &webhooks_;
  ctx_.mail = &mail_;
  ctx_.files = &files_;
  ctx_.invitations = &invitations_;
  subscriber_ = std::make_unique<store::redis_subscriber>(
      io, std::move(redis_endpoint),
      std::vector<std::string>{store::keys::node_channel(options_.node_id),
                               std::string(store::keys::all_channel)},
      [this](const std::string&, const std::string& payload) { on_pubsub(payload); },
      [this] { delivery_.resync_all(); });
  redis_.set_on_latency(
      [this](double seconds) { metrics_.observe("livechat_redis_command_seconds", seconds); });
  redis_.set_on_ready([this] {
    node_.on_redis_ready();
    delivery_.retry_failed_reads();
    ctx_.spawn(bans_.restore(), "restoring the bans in force");
  });
}

chat_service::~chat_service() = default;

void chat_service::start() {
  webhooks_.start();
  mail_.start();
  files_.start();
  invitations_.start();
  matcher_.start();
  subscriber_->start();
  node_.start();
}

void chat_service::drain() {
  monitor_.stop();
  board_.stop();
  webhooks_.stop();
  mail_.stop();
  files_.stop();
  invitations_.stop();
  node_.drain();
}

void chat_service::finish_drain(std::chrono::milliseconds max_wait, std::function<void()> done) {
  node_.finish_drain(
      std::chrono::steady_clock::now() + max_wait, [this] { return requests_.in_flight(); },
      std::move(done));
}

bool chat_service::ready() const {
  return redis_.ready() && subscriber_->subscribed() && node_.has_lease() && !node_.draining() &&
         bans_.settled();
}

std::shared_ptr<connection_handler> chat_service::open(std::shared_ptr<client_link> link) {
  session_owner& owner = *this;
  auto s = std::make_shared<session>(next_session_++, link, owner, options_, metrics_);
  conns_.add(s);
  // A node without Redis, without its lease, or draining would only fail every request: send
  // the client on (behind a load balancer, to another node) instead.
  if (!ready()) link->close(1013, "node not ready: reconnect");
  return s;
}

void chat_service::handle_http(http_request request, std::function<void(http_response)> done) {
  rest_.handle(std::move(request), std::move(done));
}

bool chat_service::streams_body(std::string_view method, std::string_view path) const {
  return file_desk::streams(method, path);
}

void chat_service::open_upload(http_request head, std::function<void(upload_start)> ready) {
  files_.open_upload(std::move(head), std::move(ready));
}

void chat_service::on_request(session& s) {
  requests_.on_request(s);
}

void chat_service::on_closed(session& s) {
  auto keep = s.shared_from_this();  // the registry drops its reference first
  requests_.on_closed(s);
}

void chat_service::on_writable(session& s) {
  delivery_.pump_all(s);
}

void chat_service::on_pubsub(const std::string& payload) {
  auto w = store::decode_wakeup(payload);
  if (!w) {
    spdlog::warn("pubsub: a wake-up this node does not understand: {:.40}", payload);
    return;
  }
  if (auto* q = std::get_if<store::queue_wakeup>(&*w)) {
    queue_.mark_dirty(q->department);
    board_.changed();
  } else if (auto* v = std::get_if<store::invitation_wakeup>(&*w)) {
    invitations_.on_wakeup(v->visitor_id);
  } else if (auto* x = std::get_if<store::revoked_wakeup>(&*w)) {
    // A lost laptop is locked out at once, not when its token expires.
    conns_.for_user(pb::ROLE_AGENT, x->agent_id, [&](session& s) {
      if (s.agent().issued_at_ms < x->not_before_ms) s.close(1008, "token revoked");
    });
  } else {
    delivery_.on_wakeup(*w);
  }
}

}  // namespace lc::service
