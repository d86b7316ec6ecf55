#include "tests/service/service_env.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "server/store/functions.hpp"
#include "tests/support/tokens.hpp"

namespace lc::test {

// ------------------------------------------------------------------------------ fake_link

bool fake_link::send(std::shared_ptr<const std::string> frame) {
  if (closing_ || ended_) return false;
  if (queue_.size() >= limit_) {
    // What server/net does with a slow consumer: drop what is unsent, close, tell the service.
    overflowed_ = true;
    queue_.clear();
    close(1008, "slow consumer");
    return false;
  }
  queue_.push_back(std::move(frame));
  most_queued_ = std::max(most_queued_, queue_.size());
  return true;
}

std::size_t fake_link::send_room() const {
  if (closing_ || ended_) return 0;
  return queue_.size() >= limit_ ? 0 : limit_ - queue_.size();
}

void fake_link::close(std::uint16_t code, std::string_view) {
  if (closing_ || ended_) return;
  closing_ = true;
  close_code_ = code;
  boost::asio::post(io_, [this] { end(); });
}

void fake_link::reset() {
  end();
}

void fake_link::deliver(const std::string& bytes) {
  // As server/net does: once it decided to close, further frames would only confuse the service.
  if (closing_ || !handler_) return;
  auto h = handler_;
  h->on_frame(bytes);
}

void fake_link::end() {
  if (ended_) return;
  ended_ = true;
  closing_ = true;
  if (auto h = std::move(handler_)) h->on_close();
}

std::vector<pb::ServerEnvelope> fake_link::read(std::size_t max) {
  std::vector<pb::ServerEnvelope> out;
  while (!queue_.empty() && out.size() < max) {
    pb::ServerEnvelope env;
    EXPECT_TRUE(env.ParseFromString(*queue_.front())) << "the service sent an unparsable frame";
    out.push_back(std::move(env));
    queue_.pop_front();
  }
  if (queue_.empty() && wants_writable_ && handler_ && !ended_) {
    wants_writable_ = false;
    auto h = handler_;
    h->on_writable();
  }
  return out;
}

// ------------------------------------------------------------------------------ fake_client

namespace {

void add_resume(pb::Hello& hello,
                const std::vector<std::pair<std::string, std::uint64_t>>& points) {
  for (const auto& [conv, seq] : points) {
    auto* p = hello.add_resume();
    p->set_conversation_id(conv);
    p->set_last_seq(seq);
  }
}

}  // namespace

fake_client::fake_client(service_env& env, std::shared_ptr<fake_link> link)
    : env_(env), link_(std::move(link)) {
  env_.clients_.push_back(this);
}

fake_client::~fake_client() {
  std::erase(env_.clients_, this);
  link_->reset();
}

void fake_client::pull(std::size_t max) {
  for (auto& env : link_->read(max)) inbox_.push_back(std::move(env));
}

void fake_client::send(const pb::ClientEnvelope& req) {
  link_->deliver(req.SerializeAsString());
}

pb::ServerEnvelope fake_client::request(pb::ClientEnvelope req, std::chrono::milliseconds t) {
  const auto id = next_request_++;
  req.set_request_id(id);
  send(req);
  auto answer = wait_for(
      [id](const pb::ServerEnvelope& e) {
        return e.request_id() == id || (e.has_error() && e.error().request_id() == id);
      },
      t);
  if (!answer) throw std::runtime_error("no answer to request " + std::to_string(id));
  return *answer;
}

std::optional<pb::ServerEnvelope> fake_client::wait_for(
    std::function<bool(const pb::ServerEnvelope&)> pred, std::chrono::milliseconds t) {
  std::optional<pb::ServerEnvelope> found;
  auto take = [&] {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (pred(*it)) {
        found = std::move(*it);
        inbox_.erase(it);
        return true;
      }
    }
    return false;
  };
  if (take()) return found;
  env_.run_until(take, t);
  return found;
}

pb::Welcome fake_client::hello_visitor(const std::string& token,
                                       std::vector<std::pair<std::string, std::uint64_t>> resume) {
  pb::ClientEnvelope req;
  req.mutable_hello()->set_visitor_token(token);
  add_resume(*req.mutable_hello(), resume);
  auto env = request(req);
  EXPECT_TRUE(env.has_welcome()) << env.DebugString();
  return env.welcome();
}

pb::Welcome fake_client::hello_agent(const std::string& id, std::vector<std::string> departments,
                                     std::uint32_t capacity,
                                     std::vector<std::pair<std::string, std::uint64_t>> resume) {
  pb::ClientEnvelope req;
  req.mutable_hello()->set_agent_token(env_.agent_token(id, std::move(departments), capacity));
  add_resume(*req.mutable_hello(), resume);
  auto env = request(req);
  EXPECT_TRUE(env.has_welcome()) << env.DebugString();
  return env.welcome();
}

void fake_client::presence(pb::PresenceStatus status) {
  pb::ClientEnvelope req;
  req.mutable_presence()->set_status(status);
  auto env = request(req);
  EXPECT_TRUE(env.has_ack()) << env.DebugString();
}

pb::Ack fake_client::join(const std::string& name, const std::string& dept,
                          const std::string& first, const std::string& cmid) {
  pb::ClientEnvelope req;
  auto* j = req.mutable_join();
  j->set_display_name(name);
  j->set_department(dept);
  j->set_first_message(first);
  j->set_client_msg_id(cmid);
  auto env = request(req);
  EXPECT_TRUE(env.has_ack()) << env.DebugString();
  return env.ack();
}

pb::ServerEnvelope fake_client::send_text(const std::string& conv, const std::string& cmid,
                                          const std::string& text) {
  pb::ClientEnvelope req;
  auto* s = req.mutable_send();
  s->set_conversation_id(conv);
  s->set_client_msg_id(cmid);
  s->set_text(text);
  return request(req);
}

std::optional<pb::Assigned> fake_client::wait_assigned(const std::string& conv,
                                                       std::chrono::milliseconds t) {
  auto env = wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_assigned() && (conv.empty() || e.assigned().conversation_id() == conv);
      },
      t);
  if (!env) return std::nullopt;
  return env->assigned();
}

std::optional<pb::ChatEvent> fake_client::wait_message(const std::string& conv,
                                                       const std::string& text,
                                                       std::chrono::milliseconds t) {
  auto env = wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().conversation_id() == conv && e.event().text() == text;
      },
      t);
  if (!env) return std::nullopt;
  return env->event();
}

std::vector<pb::ChatEvent> fake_client::events(const std::string& conv,
                                               std::chrono::milliseconds quiet) {
  std::vector<pb::ChatEvent> out;
  while (auto env = wait_for(
             [&](const pb::ServerEnvelope& e) {
               return e.has_event() && e.event().conversation_id() == conv;
             },
             quiet)) {
    out.push_back(env->event());
  }
  return out;
}

// ------------------------------------------------------------------------------ service_env

service_env::service_env(redis_fixture& redis, const std::string& node,
                         std::function<void(service::service_options&)> tune,
                         record::record_pool* record)
    : redis_(redis) {
  options_.node_id = node;
  options_.secret = service_secret;
  options_.tick = 100ms;
  options_.lease_ttl = 3s;
  options_.redis_timeout = 2s;
  // Tests make many chats from one fake address; the tests of these bounds set them back.
  options_.joins_per_minute = 100000;
  options_.offline_messages_per_hour = 100000;
  options_.max_queued_per_address = 0;
  if (tune) tune(options_);
  store::endpoint ep;
  ep.host = redis.host();
  ep.port = redis.port();
  redis_conn_ = std::make_unique<store::redis_connection>(io_, ep, options_.redis_timeout,
                                                          store::functions_source);
  service_ = std::make_unique<service::chat_service>(io_, *redis_conn_, ep, options_, record);
  redis_conn_->start();
  service_->start();
  if (!run_until([this] { return service_->ready(); }, 10s)) {
    throw std::runtime_error("service_env: the service did not become ready");
  }
}

service_env::~service_env() {
  service_.reset();
  redis_conn_.reset();
}

std::unique_ptr<fake_client> service_env::connect(std::size_t send_queue_limit) {
  auto link = std::make_shared<fake_link>(io_, send_queue_limit);
  link->attach(service_->open(link));
  return std::make_unique<fake_client>(*this, link);
}

void service_env::step() {
  io_.restart();
  io_.run_for(2ms);
  for (auto* c : clients_) {
    if (c->reading) c->pull();
  }
}

bool service_env::run_until(const std::function<bool()>& done, std::chrono::milliseconds t) {
  const auto deadline = std::chrono::steady_clock::now() + t;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    step();
  }
  return true;
}

void service_env::run_for(std::chrono::milliseconds t) {
  const auto deadline = std::chrono::steady_clock::now() + t;
  while (std::chrono::steady_clock::now() < deadline) step();
}

std::string service_env::agent_token(const std::string& id, std::vector<std::string> departments,
                                     std::uint32_t capacity) const {
  return agent_token_for(options_.secret, id, std::move(departments), capacity);
}

}  // namespace lc::test
