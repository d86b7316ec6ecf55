#pragma once

// Private to server/net: the Beast types behind lc::net::server. Layered like Beast's
// "websocket chat multi" example: listener -> http_session -> ws_session.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/net/server.hpp"
#include "server/service/transport.hpp"

namespace lc::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

class http_session;
class ws_session;

// A connection that a newcomer may displace when the server is at its connection budget: one
// that has not said Hello, or an idle HTTP keep-alive.
class evictable {
 public:
  virtual ~evictable() = default;
  virtual bool may_evict() const = 0;
  virtual void evict() = 0;
};

// What every connection shares with the server; outlives the server so late completions that
// still hold a session never touch freed memory.
struct shared_state {
  lc::service::frontend* frontend;  // null once the server is destroyed
  server_options options;
  std::unordered_set<http_session*> http_sessions;
  std::unordered_set<ws_session*> ws_sessions;
  bool draining = false;  // close_all was called: no more keep-alive
  // Open connections per client address (agents' excepted), and candidates for displacement in
  // the order they came.
  std::unordered_map<std::string, std::uint32_t> per_address;
  std::deque<std::weak_ptr<evictable>> evictable_queue;

  std::size_t connections() const { return http_sessions.size() + ws_sessions.size(); }
  // Makes room for one more connection; false when nothing could be displaced.
  bool make_room();
  void add_evictable(std::weak_ptr<evictable> e);
  bool trusted_proxy(const std::string& address) const;
  bool origin_allowed(std::string_view origin) const;
};

// One connection's place in its address's count: taken on construction, given back on
// destruction or release(). Moves from the HTTP session to the WebSocket after the upgrade.
class address_slot {
 public:
  address_slot() = default;
  address_slot(std::shared_ptr<shared_state> state, std::string address);
  address_slot(address_slot&& other) noexcept { *this = std::move(other); }
  address_slot& operator=(address_slot&& other) noexcept;
  address_slot(const address_slot&) = delete;
  address_slot& operator=(const address_slot&) = delete;
  ~address_slot() { release(); }

  // True when the address already holds `max` counted connections.
  static bool full(const shared_state& state, const std::string& address);
  void release();
  const std::string& address() const { return address_; }

 private:
  std::shared_ptr<shared_state> state_;
  std::string address_;
};

// Accepts TCP connections and starts an http_session for each.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(asio::io_context& ioc, std::shared_ptr<shared_state> state);
  void open(const tcp::endpoint& endpoint);  // throws on failure
  void run();
  void stop();
  std::uint16_t port() const { return port_; }

 private:
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  void on_backoff(error_code ec);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;  // pause after accept errors such as EMFILE instead of spinning
  std::shared_ptr<shared_state> state_;
  std::uint16_t port_ = 0;
};

// Reads HTTP/1.1 requests on one connection: serves static files, forwards the rest to the
// frontend, and hands a WebSocket upgrade on /ws over to a ws_session.
class http_session : public std::enable_shared_from_this<http_session>, public evictable {
 public:
  http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, address_slot slot);
  ~http_session() override;
  void run();
  void drain();  // close if idle, else after the current response
  void abort();
  // Waiting for (the rest of) a request: idle keep-alive, or a head trickling in.
  bool may_evict() const override { return reading_; }
  void evict() override { abort(); }

 private:
  using request = http::request<http::string_body>;
  using response = http::response<http::string_body>;

  void do_read();
  // Reads until the whole request head is in buffer_, checks it raw, then parses the request.
  void read_head();
  void on_head_bytes(error_code ec, std::size_t bytes);
  void on_header(error_code ec, std::size_t bytes);
  // A failed read of a request (head or body): the error response, or a quiet close.
  void on_read_error(error_code ec);
  void on_read(error_code ec, std::size_t bytes);
  void upgrade(request& req);
  // http_transfer.cpp: a request body streamed to the frontend's sink, a response body streamed
  // from its source; one piece in memory at a time.
  void start_upload();
  void on_upload_start(lc::service::upload_start start);
  void read_upload();
  void on_upload_read(error_code ec, std::size_t bytes);
  void finish_upload(bool complete, bool too_large);
  void start_download(lc::service::http_response res);
  void next_download_piece();
  void on_download_written(error_code ec, std::size_t bytes);
  // After a response: the next request, or the close.
  void after_response(bool keep_alive);
  lc::service::http_response with_cors(lc::service::http_response res) const;
  std::string peer_address() const;
  // The client: the peer, or behind a trusted proxy the last address it appended to
  // X-Forwarded-For.
  std::string client_address(const request& req) const;
  void handle_request(request req);
  void on_handled(lc::service::http_response res);
  void do_write(std::shared_ptr<response> res);
  void on_write(const std::shared_ptr<response>& res, error_code ec, std::size_t bytes);
  void send_error(unsigned status, std::string_view code, std::string_view message);
  void do_linger();
  void on_linger(error_code ec, std::size_t bytes);
  void do_close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<shared_state> state_;
  std::string peer_;
  address_slot slot_;
  std::string origin_;  // the request's Origin, for CORS
  // What the response being prepared must echo from its request.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool reading_ = false;   // idle, waiting for the next request
  bool awaiting_ = false;  // the frontend has the request and has not called `done` yet
  bool linger_ = false;    // an error response: read away the rest, then close
  std::size_t lingered_ = 0;
  // An upload in progress: its parser (the head moved in from parser_), its sink, the piece
  // being filled.
  std::optional<http::request_parser<http::buffer_body>> upload_;
  std::shared_ptr<lc::service::body_sink> sink_;
  std::string piece_;
  std::size_t filled_ = 0;
  // A download in progress: where its bytes come from, how many are still to come.
  std::shared_ptr<lc::service::body_source> source_;
  std::uint64_t remaining_ = 0;
  bool download_keep_alive_ = false;
};

// One WebSocket connection: a read loop feeding the frontend's handler, and a bounded queue of
// outgoing frames written one at a time.
class ws_session : public std::enable_shared_from_this<ws_session>, public evictable {
 public:
  ws_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, std::string peer,
             address_slot slot);
  ~ws_session() override;
  void run(const http::request<http::string_body>& req);

  // client_link, forwarded by a small link object that only holds a weak_ptr to us.
  bool send(std::shared_ptr<const std::string> frame);
  std::size_t send_room() const;
  void notify_writable();
  void close(std::uint16_t code, std::string_view reason);
  void abort();
  const std::string& peer() const { return peer_; }
  const std::string& address() const { return slot_.address(); }
  void hello_done(bool counted);
  bool may_evict() const override { return !hello_done_ && !notified_; }
  void evict() override { abort(); }
  // Drops the connection when a write has been in flight longer than the write timeout, and
  // closes it when it has not said Hello within the Hello timeout.
  void check_deadlines(std::chrono::steady_clock::time_point now);

 private:
  void on_accept(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void do_write();
  void on_write(error_code ec, std::size_t bytes);
  void do_close();
  void on_close(error_code ec);
  void notify_closed();
  void drop_unsent();
  void release_read_buffer();
  std::size_t frame_limit() const;  // the largest message read now (smaller before Hello)

  websocket::stream<tcp::socket> ws_;
  // Holds one incoming message; emptied and freed after each so idle connections hold nothing.
  beast::flat_buffer buffer_;
  // Frames not yet fully written; front() is in flight while writing_. A vector, not a deque:
  // an empty std::deque still allocates ~600 bytes, which 100k idle connections cannot afford.
  std::vector<std::shared_ptr<const std::string>> queue_;
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<lc::service::connection_handler> handler_;
  std::string peer_;
  address_slot slot_;
  std::chrono::steady_clock::time_point opened_at_;
  std::size_t max_message_ = 0;
  // Set by close(), sent after the queue. Not a websocket::close_reason: that is a 123-byte
  // static string on every connection.
  std::uint16_t close_code_ = 0;
  std::string close_text_;
  // When the write (or close frame) in flight began; zero while none is.
  std::chrono::steady_clock::time_point busy_since_{};
  bool writing_ = false;
  bool closing_ = false;  // no more sends; the close frame is queued or sent
  bool close_sent_ = false;
  bool opened_ = false;          // the frontend knows about us
  bool notified_ = false;        // on_close was called
  bool wants_writable_ = false;  // the frontend asked to hear when the queue drains
  bool hello_done_ = false;      // the frontend lifted the pre-Hello bounds
};

}  // namespace lc::net::detail
