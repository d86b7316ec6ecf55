#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "livechat/v1/livechat.pb.h"

// Beast stays inside ws_client.cpp so tests that include this header compile fast.
namespace lc::test {

// Synchronous WebSocket client speaking the livechat protocol, for tests. Every call is bounded
// by a timeout (5 s where none is given), so a test can fail but never hang.
class ws_client {
 public:
  // Connects and handshakes; throws std::runtime_error on failure. A non-zero
  // receive_buffer_bytes shrinks the socket's receive buffer (SO_RCVBUF) before connecting, so a
  // client that does not read fills the server's side quickly.
  ws_client(std::string host, std::uint16_t port, std::string target = "/ws",
            std::size_t receive_buffer_bytes = 0);
  ~ws_client();  // drops the connection if still open (no close handshake: never blocks)
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Throws std::runtime_error if the frame cannot be written.
  void send(const livechat::v1::ClientEnvelope& envelope);
  void send_raw(std::string_view bytes, bool binary = true);

  // Next frame within timeout, or nothing. Parses ServerEnvelope (throws on unparsable).
  std::optional<livechat::v1::ServerEnvelope> receive(std::chrono::milliseconds timeout);
  // Next raw frame within timeout (backlogged envelopes are not looked at).
  std::optional<std::string> receive_raw(std::chrono::milliseconds timeout);
  // Reads frames until pred(envelope) is true, keeping the others in a backlog that later
  // receive/wait_for calls look at first; nothing on timeout.
  std::optional<livechat::v1::ServerEnvelope> wait_for(
      std::function<bool(const livechat::v1::ServerEnvelope&)> pred,
      std::chrono::milliseconds timeout);
  // Sends req with a fresh request id and waits for the envelope answering it: one whose
  // request_id matches (Ack, Error, or a typed reply such as Welcome or Pong) or an Error whose
  // own request_id matches. Throws std::runtime_error on timeout.
  livechat::v1::ServerEnvelope request(livechat::v1::ClientEnvelope req,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

  bool is_open() const;  // false after the server closed it (or after close()/drop())
  // The close code the server sent, if it closed (also after our close(): its echo).
  std::optional<std::uint16_t> close_code() const;
  std::string close_reason() const;
  // Waits until the server has closed the connection; false on timeout.
  bool wait_closed(std::chrono::milliseconds timeout);
  void close();  // sends a close frame and waits (bounded) for the server's answer
  void drop();   // abrupt TCP close without a close frame (simulates a lost network)
  void reset();  // TCP reset (SO_LINGER 0): the peer sees ECONNRESET, as after a crashed tab

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct http_result {
  unsigned status;
  std::string body;
  std::string content_type;
};

// One HTTP/1.1 request on a fresh connection, bounded by 10 s; throws std::runtime_error on
// connection errors or timeout.
http_result http_request(std::string host, std::uint16_t port, std::string method,
                         std::string target, std::string authorization = "", std::string body = "");

// Writes `bytes` verbatim on a fresh connection and returns everything the server sends until it
// closes the connection or `timeout` passes: for malformed requests and pipelining. A non-empty
// `follow_up` is written once the first answer bytes arrive (say, raw frames after a 101).
std::string raw_exchange(std::string host, std::uint16_t port, std::string_view bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5),
                         std::string_view follow_up = {});

}  // namespace lc::test
