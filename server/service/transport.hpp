#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The seam between the chat service and the network layer (server/net). Nothing here knows
// Beast or Asio, so the service and its tests see connections only through these interfaces.
namespace lc::service {

// A parsed HTTP request, as far as the REST API and /metrics need it.
struct http_request {
  std::string method;         // "GET", "POST", ...
  std::string target;         // origin-form, e.g. "/api/stats?from=..."
  std::string authorization;  // the Authorization header, verbatim ("" when absent)
  std::string body;
  std::string address;       // the client's (behind a trusted proxy, the one it forwarded)
  std::string content_type;  // the Content-Type header, verbatim
  std::optional<std::uint64_t> content_length;  // nothing: chunked, or no body
};

// A response body the service hands out piece by piece (a file), never whole in memory.
class body_source {
 public:
  virtual ~body_source() = default;
  // The next piece, possibly later: `done(piece, true)`; an empty piece ends the body.
  // `done({}, false)`: the body cannot be completed, and the connection is closed.
  virtual void next(std::function<void(std::string piece, bool ok)> done) = 0;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set instead of `body`: exactly `source_length` bytes come from `source`.
  std::shared_ptr<body_source> source;
  std::uint64_t source_length = 0;
};

// Takes a request body piece by piece as server/net reads it (an upload): nothing holds it whole.
class body_sink {
 public:
  virtual ~body_sink() = default;
  // One piece of the body; the next one is read only after `done`. `done(false)` stops the
  // upload: finish then says why.
  virtual void write(std::string piece, std::function<void(bool)> done) = 0;
  // The body was read to its end (`complete`), or it was not: over the limit (`too_large`), the
  // peer left, or write refused a piece. `done` exactly once, with the response (which goes
  // nowhere when the peer left).
  virtual void finish(bool complete, bool too_large, std::function<void(http_response)> done) = 0;
};

// The answer to a streamed request's head: a sink and the most bytes it takes, or a refusal.
struct upload_start {
  std::shared_ptr<body_sink> sink;
  std::uint64_t max_bytes = 0;
  http_response refusal;  // when there is no sink
};

// One client WebSocket connection as the service sees it. Implemented by server/net.
class client_link {
 public:
  virtual ~client_link() = default;
  // Queues one binary frame. Returns false (and closes the connection with 1008 "slow
  // consumer") when the bounded send queue is full. Never blocks.
  virtual bool send(std::shared_ptr<const std::string> frame) = 0;
  // Frames that may still be queued before the connection counts as a slow consumer (0 once it
  // is closing): a sender of many frames (catch-up, history) pages by it.
  virtual std::size_t send_room() const = 0;
  // Asks for one connection_handler::on_writable() once the queued frames have been written.
  virtual void notify_writable() = 0;
  // Sends a close frame with `code` after the frames already queued, then ends the connection.
  // A connection whose writes stall past the write deadline is dropped without one.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // "ip:port" of the peer, for logs.
  virtual const std::string& peer() const = 0;
  // The client's address (from X-Forwarded-For behind a trusted proxy): what per-address limits
  // count by.
  virtual const std::string& address() const = 0;
  // Hello succeeded: the pre-Hello deadline and frame limit no longer apply, and the connection
  // cannot be displaced. `counted` false (agents) takes it out of its address's count.
  virtual void hello_done(bool counted) = 0;
};

// Receives what one connection says. Implemented by the service; called by server/net on the
// connection's event loop, never concurrently.
class connection_handler {
 public:
  virtual ~connection_handler() = default;
  // One complete binary (or text) message of at most frontend::max_frame_bytes().
  virtual void on_frame(std::string_view bytes) = 0;
  // The connection ended or can no longer be written to (either side, any reason: a slow
  // consumer or a stalled write counts as ended at once). Called exactly once; no frames after.
  virtual void on_close() = 0;
  // After client_link::notify_writable(): the send queue has drained.
  virtual void on_writable() = 0;
};

// What server/net serves. Implemented by the service.
class frontend {
 public:
  virtual ~frontend() = default;
  // A WebSocket upgrade on /ws completed.
  virtual std::shared_ptr<connection_handler> open(std::shared_ptr<client_link> link) = 0;
  // Any HTTP request that is not a WebSocket upgrade and not a static file. `done` must be
  // called exactly once, possibly later (the REST API waits on Redis).
  virtual void handle_http(http_request request, std::function<void(http_response)> done) = 0;
  // A request whose body is streamed to open_upload's sink instead of being read whole (up to
  // 64 KiB) for handle_http.
  virtual bool streams_body(std::string_view method, std::string_view path) const = 0;
  // Such a request's head (its body empty); `ready` exactly once, possibly later.
  virtual void open_upload(http_request head, std::function<void(upload_start)> ready) = 0;
  // Frames larger than this close the connection with 1009 before reaching on_frame.
  virtual std::size_t max_frame_bytes() const = 0;
};

}  // namespace lc::service
