#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <vector>

#include "server/core/address_match.hpp"
#include "server/net/server.hpp"
#include "server/net/sessions.hpp"

namespace lc::net {
namespace detail {

listener::listener(asio::io_context& ioc, std::shared_ptr<shared_state> state)
    : ioc_(ioc), acceptor_(ioc), backoff_(ioc), state_(std::move(state)) {}

void listener::open(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void listener::run() {
  do_accept();
}

void listener::stop() {
  error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
}

void listener::do_accept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(ioc_, beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

namespace {

// A refusal at accept time, before any session exists: written once without waiting (a peer
// that does not read it loses nothing), then the socket closes.
void refuse(tcp::socket& socket, unsigned status, std::string_view reason, std::string_view text) {
  const std::string body = "{\"error\":{\"code\":\"" + std::string(reason) + "\",\"message\":\"" +
                           std::string(text) + "\"}}";
  const std::string response = "HTTP/1.1 " + std::to_string(status) + " " +
                               (status == 429 ? "Too Many Requests" : "Service Unavailable") +
                               "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                               "Retry-After: 5\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
  error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(response), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Typically EMFILE/ENFILE: accepting again at once would spin; give closes a moment.
    spdlog::warn("net: accept failed: {}", ec.message());
    backoff_.expires_after(std::chrono::milliseconds(100));
    backoff_.async_wait(beast::bind_front_handler(&listener::on_backoff, shared_from_this()));
    return;
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // chat frames are small and latency-bound
  auto remote = socket.remote_endpoint(ignored);
  const std::string address = ignored ? std::string("?") : remote.address().to_string();
  // Behind a trusted proxy the client is known only from X-Forwarded-For, at the upgrade.
  address_slot slot;
  if (!state_->trusted_proxy(address)) {
    if (address_slot::full(*state_, address)) {
      refuse(socket, 429, "too_many_connections", "too many connections from this address");
      do_accept();
      return;
    }
    slot = address_slot(state_, address);
  }
  if (state_->connections() >= state_->options.max_connections && !state_->make_room()) {
    refuse(socket, 503, "unavailable", "server is at its connection limit");
    do_accept();
    return;
  }
  // Not make_shared: the displacement queue's weak_ptr outlives the session, and with one
  // allocation for both it would pin the whole session's memory rather than its counts.
  auto session =
      std::shared_ptr<http_session>(new http_session(std::move(socket), state_, std::move(slot)));
  state_->add_evictable(session);
  session->run();
  do_accept();
}

void listener::on_backoff(error_code ec) {
  if (ec) return;
  do_accept();
}

bool shared_state::make_room() {
  while (!evictable_queue.empty()) {
    auto e = evictable_queue.front().lock();
    evictable_queue.pop_front();
    if (e && e->may_evict()) {
      e->evict();
      return true;
    }
  }
  return false;
}

void shared_state::add_evictable(std::weak_ptr<evictable> e) {
  // Entries of connections long gone are dropped once they are half as many as the live ones.
  // Every WebSocket left an entry as an HTTP session and has one of its own, so a bound of
  // twice the connections (as before) kept an expired entry per WebSocket for good.
  const std::size_t live = connections();
  if (evictable_queue.size() > live + live / 2 + 64) {
    std::erase_if(evictable_queue, [](const auto& w) { return w.expired(); });
  }
  evictable_queue.push_back(std::move(e));
}

bool shared_state::trusted_proxy(const std::string& address) const {
  const auto& p = options.trusted_proxies;
  return std::any_of(p.begin(), p.end(),
                     [&](const std::string& t) { return core::address_matches(address, t); });
}

bool shared_state::origin_allowed(std::string_view origin) const {
  const auto& allowed = options.allowed_origins;
  if (allowed.empty()) return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return beast::iequals(a, origin); });
}

address_slot::address_slot(std::shared_ptr<shared_state> state, std::string address)
    : state_(std::move(state)), address_(std::move(address)) {
  ++state_->per_address[address_];
}

address_slot& address_slot::operator=(address_slot&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    address_ = std::move(other.address_);
    other.state_.reset();
  }
  return *this;
}

bool address_slot::full(const shared_state& state, const std::string& address) {
  auto it = state.per_address.find(address);
  return it != state.per_address.end() && it->second >= state.options.max_connections_per_address;
}

void address_slot::release() {
  if (!state_) return;
  auto it = state_->per_address.find(address_);
  if (it != state_->per_address.end() && --it->second == 0) state_->per_address.erase(it);
  state_.reset();
}

}  // namespace detail

namespace {

// Checks every WebSocket's deadlines (write in flight, Hello) a few times per deadline.
class write_watchdog : public std::enable_shared_from_this<write_watchdog> {
 public:
  write_watchdog(boost::asio::io_context& ioc, std::shared_ptr<detail::shared_state> state)
      : timer_(ioc), state_(std::move(state)) {}

  void start() { do_wait(); }
  void stop() { timer_.cancel(); }

 private:
  void do_wait() {
    const auto timeout = std::min(state_->options.write_timeout, state_->options.hello_timeout);
    timer_.expires_after(std::max(timeout / 4, std::chrono::milliseconds(50)));
    timer_.async_wait(
        boost::beast::bind_front_handler(&write_watchdog::on_wait, shared_from_this()));
  }
  void on_wait(detail::error_code ec) {
    if (ec || state_->frontend == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<detail::ws_session>> all;
    all.reserve(state_->ws_sessions.size());
    for (auto* s : state_->ws_sessions) {
      if (auto p = s->weak_from_this().lock()) all.push_back(std::move(p));
    }
    for (auto& s : all) s->check_deadlines(now);
    do_wait();
  }

  boost::asio::steady_timer timer_;
  std::shared_ptr<detail::shared_state> state_;
};

}  // namespace

struct server::impl {
  boost::asio::io_context& ioc;
  std::shared_ptr<detail::shared_state> state;
  std::shared_ptr<detail::listener> listener;
  std::shared_ptr<write_watchdog> watchdog;
};

server::server(boost::asio::io_context& ioc, lc::service::frontend& frontend,
               server_options options)
    : impl_(std::make_unique<impl>(impl{ioc,
                                        std::make_shared<detail::shared_state>(detail::shared_state{
                                            &frontend, std::move(options), {}, {}, false, {}, {}}),
                                        nullptr, nullptr})) {}

server::~server() {
  abort_all();
  if (impl_->watchdog) impl_->watchdog->stop();
  impl_->state->frontend = nullptr;
}

namespace {

// Descriptors kept back from client connections: Redis connections, static files, logs.
constexpr std::uint32_t descriptor_reserve = 64;

std::uint32_t connection_budget(std::uint32_t configured) {
  if (configured != 0) return configured;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1000000;
  const auto soft = static_cast<std::uint64_t>(lim.rlim_cur);
  return static_cast<std::uint32_t>(soft > 2ULL * descriptor_reserve ? soft - descriptor_reserve
                                                                     : soft / 2);
}

}  // namespace

void server::start() {
  auto& opts = impl_->state->options;
  opts.max_connections = connection_budget(opts.max_connections);
  auto address = boost::asio::ip::make_address(impl_->state->options.address);
  auto l = std::make_shared<detail::listener>(impl_->ioc, impl_->state);
  l->open(detail::tcp::endpoint(address, impl_->state->options.port));
  l->run();
  impl_->listener = std::move(l);
  impl_->watchdog = std::make_shared<write_watchdog>(impl_->ioc, impl_->state);
  impl_->watchdog->start();
  spdlog::info("net: listening on {}:{}", impl_->state->options.address, port());
}

std::uint16_t server::port() const {
  return impl_->listener ? impl_->listener->port() : 0;
}

void server::stop_accepting() {
  if (impl_->listener) impl_->listener->stop();
}

namespace {

// Owning references to every open session, taken before acting on them: closing may end
// sessions, which edits the sets being walked.
std::pair<std::vector<std::shared_ptr<detail::ws_session>>,
          std::vector<std::shared_ptr<detail::http_session>>>
owners(detail::shared_state& state) {
  std::vector<std::shared_ptr<detail::ws_session>> ws;
  for (auto* s : state.ws_sessions) {
    if (auto p = s->weak_from_this().lock()) ws.push_back(std::move(p));
  }
  std::vector<std::shared_ptr<detail::http_session>> http;
  for (auto* s : state.http_sessions) {
    if (auto p = s->weak_from_this().lock()) http.push_back(std::move(p));
  }
  return {std::move(ws), std::move(http)};
}

}  // namespace

void server::close_all(std::uint16_t code, std::string_view reason) {
  auto& state = *impl_->state;
  state.draining = true;
  auto [ws, http] = owners(state);
  for (auto& s : ws) s->close(code, reason);
  for (auto& s : http) s->drain();
}

void server::abort_all() {
  stop_accepting();
  auto [ws, http] = owners(*impl_->state);
  for (auto& s : ws) s->abort();
  for (auto& s : http) s->abort();
}

std::size_t server::connection_count() const {
  return impl_->state->http_sessions.size() + impl_->state->ws_sessions.size();
}

std::size_t server::websocket_count() const {
  return impl_->state->ws_sessions.size();
}

std::size_t server::displacement_entries() const {
  return impl_->state->evictable_queue.size();
}

}  // namespace lc::net
