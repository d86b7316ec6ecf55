#include "tests/support/ws/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <stdexcept>

namespace lc::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

constexpr std::chrono::seconds op_timeout{5};
constexpr std::chrono::seconds http_timeout{10};

// Runs handlers until done() or the deadline; returns done(). Never blocks past the deadline.
template <class Done>
bool run_until(asio::io_context& ioc, Done done, steady::time_point deadline) {
  while (!done()) {
    if (steady::now() >= deadline) return false;
    ioc.restart();
    // 0 means timed out or nothing left that could complete: either way no progress is coming.
    if (ioc.run_one_until(deadline) == 0) return done();
  }
  return true;
}

// Starts one operation with start(handler) and waits for it. On the deadline it calls cancel()
// (closing the socket) and still waits for the aborted completion, so the handler, which points
// into this frame, has always run before we return.
template <class Start, class Cancel>
error_code await_op(asio::io_context& ioc, steady::time_point deadline, Start start, Cancel cancel,
                    bool* timed_out = nullptr) {
  std::optional<error_code> result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  bool late = !run_until(
      ioc, [&] { return result.has_value(); }, deadline);
  if (late) {
    cancel();
    while (!result) {
      ioc.restart();
      ioc.run_one();
    }
  }
  if (timed_out) *timed_out = late;
  return *result;
}

void fail(const std::string& what, const error_code& ec) {
  throw std::runtime_error("ws_client: " + what + ": " + ec.message());
}

}  // namespace

struct ws_client::impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  std::deque<std::string> inbox;                     // frames read but not handed out yet
  std::deque<livechat::v1::ServerEnvelope> backlog;  // parsed, skipped by wait_for
  bool open = false;
  bool reading = false;
  std::optional<std::uint16_t> close_code;
  std::string close_reason;
  std::uint64_t next_request_id = 1;

  ~impl() { abort(); }

  void abort() {
    beast::get_lowest_layer(ws).close();
    open = false;
    // Let the aborted read complete now, while everything it touches is alive.
    ioc.restart();
    ioc.poll();
  }

  // One read is always outstanding while open; its frames wait in inbox until asked for. It
  // only makes progress while some call runs the io_context, so a test that does not call
  // receive() behaves like a client that does not read.
  void start_read() {
    reading = true;
    ws.async_read(buffer, [this](error_code ec, std::size_t) {
      reading = false;
      if (ec) {
        open = false;
        note_close_frame();
        return;
      }
      inbox.push_back(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      start_read();
    });
  }

  // Beast keeps the close frame it received, whichever operation read it.
  void note_close_frame() {
    const auto& reason = ws.reason();
    if (reason.code == websocket::close_code::none) return;
    close_code = static_cast<std::uint16_t>(reason.code);
    close_reason.assign(reason.reason.data(), reason.reason.size());
  }

  void poll() {
    ioc.restart();
    ioc.poll();
  }

  std::optional<std::string> next_raw(steady::time_point deadline) {
    run_until(
        ioc, [&] { return !inbox.empty() || !reading; }, deadline);
    if (inbox.empty()) return std::nullopt;
    std::string frame = std::move(inbox.front());
    inbox.pop_front();
    return frame;
  }

  static livechat::v1::ServerEnvelope parse(const std::string& frame) {
    livechat::v1::ServerEnvelope env;
    if (!env.ParseFromString(frame)) {
      throw std::runtime_error("ws_client: frame is not a ServerEnvelope (" +
                               std::to_string(frame.size()) + " bytes)");
    }
    return env;
  }

  void write(std::string_view bytes, bool binary) {
    if (!open) throw std::runtime_error("ws_client: send on a closed connection");
    ws.binary(binary);
    bool timed_out = false;
    auto ec = await_op(
        ioc, steady::now() + op_timeout,
        [&](auto handler) {
          ws.async_write(asio::buffer(bytes.data(), bytes.size()), std::move(handler));
        },
        [&] { beast::get_lowest_layer(ws).close(); }, &timed_out);
    if (timed_out) throw std::runtime_error("ws_client: write timed out");
    if (ec) fail("write", ec);
  }
};

ws_client::ws_client(std::string host, std::uint16_t port, std::string target,
                     std::size_t receive_buffer_bytes)
    : impl_(std::make_unique<impl>()) {
  auto& ioc = impl_->ioc;
  auto& ws = impl_->ws;
  auto deadline = steady::now() + op_timeout;
  auto cancel = [&] { beast::get_lowest_layer(ws).close(); };

  tcp::resolver resolver(ioc);
  error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) fail("resolve " + host, ec);
  if (endpoints.empty()) throw std::runtime_error("ws_client: no address for " + host);
  auto& socket = beast::get_lowest_layer(ws).socket();
  const auto endpoint = endpoints.begin()->endpoint();
  socket.open(endpoint.protocol());
  if (receive_buffer_bytes > 0) {
    socket.set_option(
        asio::socket_base::receive_buffer_size(static_cast<int>(receive_buffer_bytes)));
  }
  ec = await_op(
      ioc, deadline,
      [&](auto handler) {
        beast::get_lowest_layer(ws).async_connect(endpoint, std::move(handler));
      },
      cancel);
  if (ec) fail("connect to " + host + ":" + std::to_string(port), ec);

  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.read_message_max(64 * 1024 * 1024);
  bool timed_out = false;
  ec = await_op(
      ioc, deadline,
      [&](auto handler) {
        ws.async_handshake(host + ":" + std::to_string(port), target, std::move(handler));
      },
      cancel, &timed_out);
  if (timed_out) throw std::runtime_error("ws_client: handshake timed out");
  if (ec) fail("handshake on " + target, ec);
  ws.binary(true);
  impl_->open = true;
  impl_->start_read();
}

ws_client::~ws_client() = default;

void ws_client::send(const livechat::v1::ClientEnvelope& envelope) {
  impl_->write(envelope.SerializeAsString(), true);
}

void ws_client::send_raw(std::string_view bytes, bool binary) {
  impl_->write(bytes, binary);
}

std::optional<livechat::v1::ServerEnvelope> ws_client::receive(std::chrono::milliseconds timeout) {
  if (!impl_->backlog.empty()) {
    auto env = std::move(impl_->backlog.front());
    impl_->backlog.pop_front();
    return env;
  }
  auto frame = impl_->next_raw(steady::now() + timeout);
  if (!frame) return std::nullopt;
  return impl::parse(*frame);
}

std::optional<std::string> ws_client::receive_raw(std::chrono::milliseconds timeout) {
  return impl_->next_raw(steady::now() + timeout);
}

std::optional<livechat::v1::ServerEnvelope> ws_client::wait_for(
    std::function<bool(const livechat::v1::ServerEnvelope&)> pred,
    std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  auto& backlog = impl_->backlog;
  for (auto it = backlog.begin(); it != backlog.end(); ++it) {
    if (pred(*it)) {
      auto env = std::move(*it);
      backlog.erase(it);
      return env;
    }
  }
  while (auto frame = impl_->next_raw(deadline)) {
    auto env = impl::parse(*frame);
    if (pred(env)) return env;
    backlog.push_back(std::move(env));
  }
  return std::nullopt;
}

livechat::v1::ServerEnvelope ws_client::request(livechat::v1::ClientEnvelope req,
                                                std::chrono::milliseconds timeout) {
  std::uint64_t id = impl_->next_request_id++;
  req.set_request_id(id);
  send(req);
  auto answer = wait_for(
      [id](const livechat::v1::ServerEnvelope& env) {
        return env.request_id() == id || (env.has_error() && env.error().request_id() == id);
      },
      timeout);
  if (!answer) {
    throw std::runtime_error("ws_client: no answer to request " + std::to_string(id) +
                             (impl_->open ? "" : " (connection closed)"));
  }
  return *answer;
}

bool ws_client::is_open() const {
  impl_->poll();
  return impl_->open;
}

std::optional<std::uint16_t> ws_client::close_code() const {
  impl_->poll();
  return impl_->close_code;
}

std::string ws_client::close_reason() const {
  impl_->poll();
  return impl_->close_reason;
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  run_until(
      impl_->ioc, [&] { return !impl_->reading; }, steady::now() + timeout);
  return !impl_->reading;
}

void ws_client::close() {
  auto& ws = impl_->ws;
  if (!impl_->open) return;
  auto ec = await_op(
      impl_->ioc, steady::now() + op_timeout,
      [&](auto handler) { ws.async_close(websocket::close_code::normal, std::move(handler)); },
      [&] { beast::get_lowest_layer(ws).close(); });
  (void)ec;  // the server may have closed first; either way we are done
  // The outstanding read ends with the server's close frame (or the teardown).
  run_until(
      impl_->ioc, [&] { return !impl_->reading; }, steady::now() + op_timeout);
  if (impl_->reading) impl_->abort();
  impl_->open = false;
  impl_->note_close_frame();
}

void ws_client::drop() {
  impl_->abort();
}

void ws_client::reset() {
  error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().set_option(asio::socket_base::linger(true, 0),
                                                         ignored);
  impl_->abort();
}

http_result http_request(std::string host, std::uint16_t port, std::string method,
                         std::string target, std::string authorization, std::string body) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  auto deadline = steady::now() + http_timeout;
  auto cancel = [&] { stream.close(); };
  auto check = [&](const char* what, error_code ec) {
    if (ec) throw std::runtime_error(std::string("http_request: ") + what + ": " + ec.message());
  };

  tcp::resolver resolver(ioc);
  error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  check("resolve", ec);
  check("connect",
        await_op(
            ioc, deadline,
            [&](auto handler) { stream.async_connect(endpoints, std::move(handler)); }, cancel));

  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host + ":" + std::to_string(port));
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.keep_alive(false);
  req.prepare_payload();
  check("write",
        await_op(
            ioc, deadline,
            [&](auto handler) { http::async_write(stream, req, std::move(handler)); }, cancel));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  check("read",
        await_op(
            ioc, deadline,
            [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); },
            cancel));
  auto& res = parser.get();
  http_result out{res.result_int(), res.body(), std::string(res[http::field::content_type])};
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

std::string raw_exchange(std::string host, std::uint16_t port, std::string_view bytes,
                         std::chrono::milliseconds timeout, std::string_view follow_up) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  auto deadline = steady::now() + timeout;
  auto cancel = [&] {
    error_code ignored;
    socket.close(ignored);
  };
  error_code ec = await_op(
      ioc, deadline,
      [&](auto handler) {
        socket.async_connect(tcp::endpoint(asio::ip::make_address(host), port), std::move(handler));
      },
      cancel);
  if (ec) throw std::runtime_error("raw_exchange: connect: " + ec.message());
  // The server may answer and close before taking everything (an oversized request): a failed
  // write is expected then, and what it sent is still read below.
  await_op(
      ioc, deadline,
      [&](auto handler) {
        asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), std::move(handler));
      },
      cancel);
  std::string out;
  char chunk[4096];
  while (socket.is_open()) {
    bool timed_out = false;
    std::size_t n = 0;
    std::optional<error_code> result;
    socket.async_read_some(asio::buffer(chunk), [&](error_code e, std::size_t got) {
      result = e;
      n = got;
    });
    timed_out = !run_until(
        ioc, [&] { return result.has_value(); }, deadline);
    if (timed_out) {
      cancel();
      while (!result) {
        ioc.restart();
        ioc.run_one();
      }
    }
    out.append(chunk, n);
    if (*result || timed_out) break;
    if (!follow_up.empty()) {
      await_op(
          ioc, deadline,
          [&](auto handler) {
            asio::async_write(socket, asio::buffer(follow_up.data(), follow_up.size()),
                              std::move(handler));
          },
          cancel);
      follow_up = {};
    }
  }
  return out;
}

}  // namespace lc::test
