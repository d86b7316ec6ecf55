#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/service/transport.hpp"

namespace boost::asio {
class io_context;
}

// The network layer: HTTP and WebSocket on one port, served to a lc::service::frontend.
//
// Threading: the server, all its connections and every call into the frontend, its handlers and
// the client_links run on the one thread that runs the io_context. There are no strands or
// mutexes; every public member below (and client_link::send/close, and the `done` callbacks of
// handle_http) must be called on that thread.
namespace lc::net {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;              // 0: let the OS choose; see server::port()
  std::string static_dir;              // empty: no static files
  std::size_t send_queue_limit = 256;  // frames queued per WebSocket before "slow consumer"
  // A WebSocket write (or close frame) still not done after this is a peer that stopped reading
  // with its kernel buffers full: the connection is dropped, and the service told at once.
  std::chrono::milliseconds write_timeout{10000};
  // Idle HTTP keep-alive connections close after this.
  std::chrono::seconds idle_timeout{60};
  // A WebSocket silent for half of this gets a ping; silent for all of it, it is dropped.
  std::chrono::seconds websocket_idle_timeout{300};
  // Bounds on what anonymous clients can hold (see ARCHITECTURE.md, threat model).
  std::vector<std::string> allowed_origins;        // WebSocket Origin and CORS; empty: any origin
  std::vector<std::string> trusted_proxies;        // peers whose X-Forwarded-For names the client
  std::uint32_t max_connections_per_address = 64;  // agents' connections are not counted
  // Past this, a new connection displaces the oldest one that has not said Hello (or the
  // oldest HTTP one still waiting for its request), so health checks and agents still get
  // in. 0: the descriptor limit less a reserve.
  std::uint32_t max_connections = 0;
  std::chrono::milliseconds hello_timeout{5000};    // a WebSocket must say Hello within this
  std::size_t pre_hello_frame_bytes = 16UL * 1024;  // the largest frame before Hello
};

// Accepts HTTP and WebSocket connections on one port and hands them to a frontend.
class server {
 public:
  server(boost::asio::io_context& ioc, lc::service::frontend& frontend, server_options options);
  // Closes every connection at once (on_close is called for open WebSockets while the frontend
  // is still alive, which it is when the server is declared after it).
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens; throws boost::system::system_error on failure.
  void start();
  // The bound port (the chosen one when options.port was 0). Valid after start().
  std::uint16_t port() const;
  // Closes the acceptor; established connections are untouched.
  void stop_accepting();
  // Graceful drain: each WebSocket gets a close frame with `code` after its queued frames; idle
  // HTTP keep-alive connections close, busy ones close after their current response. It is
  // one-way: connections accepted afterwards are closed at once, so stop_accepting() first.
  void close_all(std::uint16_t code, std::string_view reason);
  // Closes every connection now, without close frames.
  void abort_all();
  // Open connections, HTTP and WebSocket.
  std::size_t connection_count() const;
  // WebSocket connections, from the upgrade until the socket is gone.
  std::size_t websocket_count() const;
  // Entries in the queue of connections a newcomer may displace, those of connections already
  // gone included: what the queue costs is bounded by the open connections, not by all ever.
  std::size_t displacement_entries() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lc::net
