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
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/core/ws_frame.hpp"
#include "server/net/server.hpp"
#include "server/service/transport.hpp"

namespace lc::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
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
  void send_error(unsigned status, std::string_view code, std::string_view message,
                  std::optional<std::pair<http::field, std::string_view>> header = std::nullopt);
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

// One WebSocket connection on a bare socket: RFC 6455 framing from server/core, reads only when
// the socket is readable (into the one scratch buffer every connection shares), and a bounded
// queue of outgoing frames written several to a write. Idle, it holds no buffer and no timer:
// the server's watchdog sends its keep-alive pings and enforces its deadlines.
class ws_session : public std::enable_shared_from_this<ws_session>,
                   public evictable,
                   private lc::core::ws::frame_sink {
 public:
  ws_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, std::string peer,
             address_slot slot);
  ~ws_session() override;
  // Answers a checked upgrade request for `key` and starts reading; `early` is what the client
  // sent after the request head, which belongs to the WebSocket.
  void run(std::string_view key, std::string early);

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
  // The watchdog's round: drops the connection when a write (or the close handshake) has taken
  // longer than the write timeout, closes it when it has not said Hello within the Hello
  // timeout, pings it after half the idle timeout of silence and drops it after all of it.
  void check_deadlines(std::chrono::steady_clock::time_point now);

 private:
  using opcode = lc::core::ws::opcode;
  // A frame waiting to be written: its payload (shared with every recipient) and its kind.
  struct out_frame {
    std::shared_ptr<const std::string> payload;
    opcode op;
  };
  struct write_batch;
  struct handshake_bytes;

  void on_handshake_written(error_code ec, std::size_t bytes);
  void wait_readable();
  void on_readable(error_code ec);
  void read_available();
  void end_of_stream(error_code ec);
  // frame_sink: what the reader found in the bytes read.
  void on_message(std::string_view payload, bool text) override;
  void on_ping(std::string_view payload) override;
  void on_pong() override {}
  void on_close(std::uint16_t code, std::string_view reason) override;
  void fail(const lc::core::ws::read_failure& failure);
  // Queues a frame for the next write; past the queue limit the peer is a slow consumer.
  bool enqueue(out_frame frame);
  void queue_close(std::uint16_t code, std::string_view reason);
  void schedule_flush();
  void flush();
  void on_write(error_code ec, std::size_t bytes);
  void shut();  // both closing frames went through (or we gave up): the socket goes
  void notify_closed();
  void drop_unsent();
  std::size_t frame_limit() const;  // the largest message read now (smaller before Hello)

  tcp::socket socket_;
  lc::core::ws::frame_reader reader_;
  // Frames not yet fully written; the first in_flight_ are being written while writing_. A
  // vector, not a deque: an empty std::deque still allocates ~600 bytes.
  std::vector<out_frame> queue_;
  std::size_t in_flight_ = 0;
  // The head of a write of one frame; a write of several keeps its heads in a batch.
  lc::core::ws::frame_header head_;
  std::unique_ptr<write_batch> batch_;
  std::unique_ptr<handshake_bytes> handshake_;  // only until the 101 is written
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<lc::service::connection_handler> handler_;
  std::string peer_;
  address_slot slot_;
  std::chrono::steady_clock::time_point opened_at_;
  // When the write (or the wait for the peer's close frame) in flight began; zero while none.
  std::chrono::steady_clock::time_point busy_since_{};
  // The watchdog's view of silence: last_heard_ moves to its round's time when heard_ is set.
  std::chrono::steady_clock::time_point last_heard_;
  std::size_t max_message_ = 0;
  bool heard_ = false;   // bytes arrived since the watchdog's last round
  bool pinged_ = false;  // a keep-alive ping went out during this silence
  bool writing_ = false;
  bool flush_posted_ = false;  // a flush will run on the next turn
  bool closing_ = false;       // no more sends; a close frame is queued or sent
  bool close_queued_ = false;
  bool close_sent_ = false;
  bool peer_closed_ = false;     // the peer's close frame arrived
  bool opened_ = false;          // the frontend knows about us
  bool notified_ = false;        // on_close was called
  bool wants_writable_ = false;  // the frontend asked to hear when the queue drains
  bool hello_done_ = false;      // the frontend lifted the pre-Hello bounds
};

}  // namespace lc::net::detail
