#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <span>
#include <vector>

#include "server/net/sessions.hpp"

namespace lc::net::detail {

namespace ws = lc::core::ws;

namespace {

// Every connection reads into this one buffer and parses what it read before anything else
// runs (one io_context thread runs them all, server.hpp): no connection needs its own.
constexpr std::size_t scratch_bytes = 64UL * 1024;
// Reads per readiness before the other connections get their turn.
constexpr int reads_per_turn = 4;
// Frames gathered into one write: asio hands at most 64 buffers to one sendmsg, two per frame.
constexpr std::size_t frames_per_write = 32;
constexpr std::size_t bytes_per_write = 256UL * 1024;

char* read_scratch() {
  static thread_local std::vector<char> scratch(scratch_bytes);
  return scratch.data();
}

// The client_link the frontend holds. Only a weak_ptr to the session: a link the service keeps
// after the connection ended then pins neither the socket nor the stream's buffers, and the
// handler -> link -> session -> handler cycle never forms.
class ws_link final : public lc::service::client_link {
 public:
  ws_link(std::weak_ptr<ws_session> session, std::string peer, std::string address)
      : session_(std::move(session)), peer_(std::move(peer)), address_(std::move(address)) {}

  bool send(std::shared_ptr<const std::string> frame) override {
    auto s = session_.lock();
    return s && s->send(std::move(frame));
  }
  std::size_t send_room() const override {
    auto s = session_.lock();
    return s ? s->send_room() : 0;
  }
  void notify_writable() override {
    if (auto s = session_.lock()) s->notify_writable();
  }
  void close(std::uint16_t code, std::string_view reason) override {
    if (auto s = session_.lock()) s->close(code, reason);
  }
  const std::string& peer() const override { return peer_; }
  const std::string& address() const override { return address_; }
  void hello_done(bool counted) override {
    if (auto s = session_.lock()) s->hello_done(counted);
  }

 private:
  std::weak_ptr<ws_session> session_;
  std::string peer_;
  std::string address_;
};

}  // namespace

// The heads and buffers of a write of several frames; only a busy connection has one.
struct ws_session::write_batch {
  std::vector<ws::frame_header> heads;
  std::vector<asio::const_buffer> buffers;
};

// The 101 being written and the bytes that came after the upgrade request.
struct ws_session::handshake_bytes {
  std::string response;
  std::string early;
};

ws_session::ws_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, std::string peer,
                       address_slot slot)
    : socket_(std::move(socket)),
      reader_(0),
      state_(std::move(state)),
      peer_(std::move(peer)),
      slot_(std::move(slot)),
      opened_at_(std::chrono::steady_clock::now()),
      last_heard_(opened_at_) {
  state_->ws_sessions.insert(this);
}

ws_session::~ws_session() {
  state_->ws_sessions.erase(this);
  notify_closed();  // normally a no-op: the read loop or abort() got there first
}

void ws_session::run(std::string_view key, std::string early) {
  max_message_ = state_->frontend ? state_->frontend->max_frame_bytes() : 1;
  reader_.max_message(frame_limit());
  // Reads and writes are tried at once and only wait when the kernel says so.
  error_code ignored;
  socket_.non_blocking(true, ignored);
  // No Sec-WebSocket-Extensions: without permessage-deflate a socket holds no deflate state
  // (~300 KiB each), and a frame is written straight from the shared payload.
  handshake_ = std::make_unique<handshake_bytes>();
  auto& response = handshake_->response;
  response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  response += ws::handshake_accept(key);
  response += "\r\n\r\n";
  // What the client sent after its request head comes after the 101 in its stream too.
  handshake_->early = std::move(early);
  busy_since_ = std::chrono::steady_clock::now();
  asio::async_write(
      socket_, asio::buffer(response),
      beast::bind_front_handler(&ws_session::on_handshake_written, shared_from_this()));
}

void ws_session::on_handshake_written(error_code ec, std::size_t) {
  busy_since_ = {};
  const std::unique_ptr<handshake_bytes> handshake = std::move(handshake_);
  if (ec) {
    spdlog::debug("net: {} websocket handshake: {}", peer_, ec.message());
    return;
  }
  if (closing_ || state_->frontend == nullptr) {
    // close_all() or abort() came during the handshake, before the frontend knew us.
    error_code ignored;
    socket_.close(ignored);
    return;
  }
  opened_ = true;
  last_heard_ = std::chrono::steady_clock::now();
  state_->add_evictable(weak_from_this());
  try {
    handler_ =
        state_->frontend->open(std::make_shared<ws_link>(weak_from_this(), peer_, slot_.address()));
  } catch (const std::exception& e) {
    spdlog::error("net: {} frontend open failed: {}", peer_, e.what());
  }
  if (!handler_) {
    close(1011, "internal error");
  }
  if (auto& early = handshake->early; !early.empty()) {
    if (auto failure = reader_.feed(early.data(), early.size(), *this)) {
      fail(failure);
      return;
    }
  }
  if (!reader_.finished() && socket_.is_open()) wait_readable();
}

void ws_session::wait_readable() {
  // No read is pending while the socket is quiet, so an idle connection holds no buffer.
  socket_.async_wait(tcp::socket::wait_read,
                     beast::bind_front_handler(&ws_session::on_readable, shared_from_this()));
}

void ws_session::on_readable(error_code ec) {
  if (ec) {
    end_of_stream(ec);
    return;
  }
  read_available();
}

void ws_session::read_available() {
  if (!socket_.is_open() || reader_.finished()) return;
  char* scratch = read_scratch();
  for (int i = 0; i < reads_per_turn; ++i) {
    error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(scratch, scratch_bytes), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      wait_readable();
      return;
    }
    if (ec) {
      end_of_stream(ec);
      return;
    }
    heard_ = true;
    if (auto failure = reader_.feed(scratch, n, *this)) {
      fail(failure);
      return;
    }
    // After the peer's close frame (or an abort from the frontend) nothing more is read.
    if (reader_.finished() || !socket_.is_open()) return;
    // A short read emptied the socket: the next bytes will make it readable again.
    if (n < scratch_bytes) {
      wait_readable();
      return;
    }
  }
  asio::post(socket_.get_executor(),
             beast::bind_front_handler(&ws_session::read_available, shared_from_this()));
}

void ws_session::end_of_stream(error_code ec) {
  if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
      ec != asio::error::bad_descriptor) {
    spdlog::debug("net: {} websocket read: {}", peer_, ec.message());
  }
  error_code ignored;
  socket_.close(ignored);
  notify_closed();
}

void ws_session::on_message(std::string_view payload, bool) {
  // After we decided to close, further frames would only confuse the service.
  if (closing_ || !handler_) return;
  auto handler = handler_;  // on_frame may end up in abort(), which drops handler_
  try {
    handler->on_frame(payload);
  } catch (const std::exception& e) {
    spdlog::error("net: {} on_frame threw: {}", peer_, e.what());
    close(1011, "internal error");
  }
}

void ws_session::on_ping(std::string_view payload) {
  if (closing_) return;
  enqueue({std::make_shared<const std::string>(payload), opcode::pong});
}

void ws_session::on_close(std::uint16_t code, std::string_view) {
  peer_closed_ = true;
  if (close_sent_) {
    shut();
  } else if (!close_queued_) {
    // The answer echoes the peer's code and goes before anything still queued.
    drop_unsent();
    queue_close(code, "");
  }
  notify_closed();
}

void ws_session::fail(const ws::read_failure& failure) {
  spdlog::debug("net: {} websocket protocol: {} ({})", peer_, failure.reason, failure.code);
  // Nothing more will be read: the close frame goes out and the socket after it.
  peer_closed_ = true;
  if (!close_queued_) {
    drop_unsent();
    queue_close(failure.code, failure.reason);
  }
  notify_closed();
}

bool ws_session::send(std::shared_ptr<const std::string> frame) {
  if (!frame || closing_ || notified_ || !opened_) return false;
  return enqueue({std::move(frame), opcode::binary});
}

bool ws_session::enqueue(out_frame frame) {
  if (queue_.size() >= state_->options.send_queue_limit) {
    spdlog::debug("net: {} slow consumer ({} frames queued)", peer_, queue_.size());
    // Frames not yet started are dropped: a client this far behind resynchronises when it
    // reconnects, and the close frame reaches it sooner. It counts as gone from now on (its
    // grace starts), whether or not the close frame ever gets through; if it does not, the
    // write deadline drops the socket.
    drop_unsent();
    close(1008, "slow consumer");
    // Not from inside send(): the frontend may be in the middle of a fan-out.
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->notify_closed(); });
    return false;
  }
  queue_.push_back(std::move(frame));
  schedule_flush();
  return true;
}

std::size_t ws_session::send_room() const {
  if (closing_ || notified_ || !opened_) return 0;
  const auto limit = state_->options.send_queue_limit;
  return queue_.size() >= limit ? 0 : limit - queue_.size();
}

void ws_session::notify_writable() {
  if (closing_ || notified_) return;
  if (writing_ || flush_posted_) {
    wants_writable_ = true;
    return;
  }
  // Nothing queued already: tell it on the next turn, not from inside its own call.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->notified_ || !self->handler_) return;
    auto handler = self->handler_;
    handler->on_writable();
  });
}

std::size_t ws_session::frame_limit() const {
  // Until Hello, a frame can only be a Hello: an unfinished larger one must not pin memory.
  return hello_done_ ? max_message_ : std::min(max_message_, state_->options.pre_hello_frame_bytes);
}

void ws_session::hello_done(bool counted) {
  if (hello_done_) return;
  hello_done_ = true;
  reader_.max_message(frame_limit());
  if (!counted) slot_.release();
}

void ws_session::check_deadlines(std::chrono::steady_clock::time_point now) {
  const auto& o = state_->options;
  if (heard_) {
    heard_ = false;
    pinged_ = false;
    last_heard_ = now;
  }
  if (!hello_done_ && opened_ && !closing_ && now - opened_at_ >= o.hello_timeout) {
    spdlog::debug("net: {} no hello within {} ms: closing", peer_, o.hello_timeout.count());
    close(1008, "hello timeout");
    return;
  }
  if (busy_since_ != std::chrono::steady_clock::time_point{} &&
      now - busy_since_ >= o.write_timeout) {
    spdlog::debug("net: {} write stalled for {} ms: dropping", peer_, o.write_timeout.count());
    abort();
    return;
  }
  if (!opened_ || closing_) return;
  const auto silence = now - last_heard_;
  if (silence >= o.websocket_idle_timeout) {
    spdlog::debug("net: {} silent for {} s: dropping", peer_, o.websocket_idle_timeout.count());
    abort();
    return;
  }
  if (!pinged_ && silence >= o.websocket_idle_timeout / 2) {
    pinged_ = true;  // any answer (a pong, a frame) ends the silence
    enqueue({std::make_shared<const std::string>(), opcode::ping});
  }
}

void ws_session::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || notified_) return;
  closing_ = true;
  // During the handshake no close frame can go out; its end drops the socket.
  if (opened_) queue_close(code, reason);
}

void ws_session::queue_close(std::uint16_t code, std::string_view reason) {
  closing_ = true;
  close_queued_ = true;
  // Code 0: the peer's close carried none, and neither does the answer.
  queue_.push_back({std::make_shared<const std::string>(
                        code == 0 ? std::string() : ws::close_payload(code, reason)),
                    opcode::close});
  schedule_flush();
}

void ws_session::abort() {
  error_code ignored;
  socket_.close(ignored);  // pending operations finish with operation_aborted
  closing_ = true;
  notify_closed();
}

void ws_session::schedule_flush() {
  if (writing_ || flush_posted_ || !opened_) return;
  // On the next turn, so every frame queued during this one (an Ack and the events that
  // follow it, a fan-out's share) goes out in one write.
  flush_posted_ = true;
  asio::post(socket_.get_executor(),
             beast::bind_front_handler(&ws_session::flush, shared_from_this()));
}

void ws_session::flush() {
  flush_posted_ = false;
  if (writing_ || queue_.empty() || !socket_.is_open()) return;
  std::size_t count = 0;
  std::size_t bytes = 0;
  while (count < queue_.size() && count < frames_per_write &&
         (count == 0 || bytes + queue_[count].payload->size() <= bytes_per_write)) {
    bytes += queue_[count].payload->size();
    ++count;
  }
  in_flight_ = count;
  writing_ = true;
  busy_since_ = std::chrono::steady_clock::now();
  auto done = beast::bind_front_handler(&ws_session::on_write, shared_from_this());
  if (count == 1) {
    const auto& frame = queue_.front();
    head_ = ws::server_frame_header(frame.op, frame.payload->size());
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_.bytes.data(), head_.size),
                                                    asio::buffer(*frame.payload)};
    asio::async_write(socket_, buffers, std::move(done));
    return;
  }
  if (!batch_) batch_ = std::make_unique<write_batch>();
  batch_->heads.resize(count);
  batch_->buffers.clear();
  for (std::size_t i = 0; i < count; ++i) {
    const auto& frame = queue_[i];
    auto& head = batch_->heads[i];
    head = ws::server_frame_header(frame.op, frame.payload->size());
    batch_->buffers.push_back(asio::buffer(head.bytes.data(), head.size));
    batch_->buffers.push_back(asio::buffer(*frame.payload));
  }
  asio::async_write(socket_, std::span<const asio::const_buffer>(batch_->buffers), std::move(done));
}

void ws_session::on_write(error_code ec, std::size_t) {
  writing_ = false;
  busy_since_ = {};
  if (ec) {
    if (ec != asio::error::operation_aborted) {
      spdlog::debug("net: {} websocket write: {}", peer_, ec.message());
    }
    queue_.clear();
    queue_.shrink_to_fit();
    in_flight_ = 0;
    end_of_stream(asio::error::operation_aborted);
    return;
  }
  const auto written = queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_);
  const bool wrote_close = std::any_of(queue_.begin(), written,
                                       [](const out_frame& f) { return f.op == opcode::close; });
  queue_.erase(queue_.begin(), written);
  in_flight_ = 0;
  if (wrote_close) {
    close_sent_ = true;
    queue_.clear();
    if (peer_closed_) {
      shut();
    } else {
      busy_since_ = std::chrono::steady_clock::now();  // until the peer's close frame
    }
    return;
  }
  if (!queue_.empty()) {
    flush();
    return;
  }
  batch_.reset();
  if (queue_.capacity() > 4) queue_.shrink_to_fit();
  if (wants_writable_ && handler_ && !closing_) {
    wants_writable_ = false;
    auto handler = handler_;  // on_writable may end in abort(), which drops handler_
    handler->on_writable();
  }
}

void ws_session::shut() {
  busy_since_ = {};
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  socket_.close(ignored);  // a pending wait ends with operation_aborted
}

void ws_session::notify_closed() {
  if (notified_) return;
  notified_ = true;
  closing_ = true;
  drop_unsent();
  auto handler = std::move(handler_);
  if (!opened_ || !handler || state_->frontend == nullptr) return;
  try {
    handler->on_close();
  } catch (const std::exception& e) {
    spdlog::error("net: {} on_close threw: {}", peer_, e.what());
  }
}

void ws_session::drop_unsent() {
  // The frames being written stay (the socket reads from them until on_write), and so do
  // control frames: a pong answers the peer, a close frame is what ends the connection.
  const auto first = queue_.begin() + static_cast<std::ptrdiff_t>(writing_ ? in_flight_ : 0);
  queue_.erase(std::remove_if(first, queue_.end(),
                              [](const out_frame& f) { return f.op == opcode::binary; }),
               queue_.end());
  if (queue_.empty()) queue_.shrink_to_fit();
}

}  // namespace lc::net::detail
