#include <spdlog/spdlog.h>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "server/net/sessions.hpp"

namespace lc::net::detail {
namespace {

// Payload bytes a close frame can carry after its 2-byte code (RFC 6455: control frames <= 125).
constexpr std::size_t max_close_reason = 123;
// What an idle connection's pending read holds allocated; most chat envelopes fit.
constexpr std::size_t idle_read_bytes = 256;

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

ws_session::ws_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, std::string peer,
                       address_slot slot)
    : ws_(std::move(socket)),
      state_(std::move(state)),
      peer_(std::move(peer)),
      slot_(std::move(slot)),
      opened_at_(std::chrono::steady_clock::now()) {
  state_->ws_sessions.insert(this);
}

ws_session::~ws_session() {
  state_->ws_sessions.erase(this);
  notify_closed();  // normally a no-op: the read loop or abort() got there first
}

void ws_session::run(const http::request<http::string_body>& req) {
  // Pings after idle_timeout/2 of silence and drops the peer after idle_timeout (300 s); 30 s
  // for the opening and closing handshakes.
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::permessage_deflate{});  // off: deflate state costs ~300 KiB a socket
  max_message_ = state_->frontend ? state_->frontend->max_frame_bytes() : 1;
  ws_.read_message_max(frame_limit());
  // A server without deflate writes straight from our string and allocates no write buffer;
  // without auto-fragmenting each message also goes out as one frame.
  ws_.auto_fragment(false);
  ws_.write_buffer_bytes(1024);
  ws_.binary(true);
  ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(error_code ec) {
  if (ec) {
    spdlog::debug("net: {} websocket handshake: {}", peer_, ec.message());
    return;
  }
  if (closing_ || state_->frontend == nullptr) {
    // close_all() or abort() came during the handshake, before the frontend knew us.
    error_code ignored;
    ws_.next_layer().close(ignored);
    return;
  }
  opened_ = true;
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
  do_read();
}

void ws_session::do_read() {
  // Beast prepares the read buffer when the read starts, not when bytes arrive, and a full
  // async_read asks for 1536 bytes: that much would sit allocated on every idle connection.
  // So between messages ask for little; once a message has begun Beast sizes the buffer to the
  // frame's remaining payload.
  bool between_messages = buffer_.size() == 0 && ws_.is_message_done();
  std::size_t limit = between_messages ? idle_read_bytes : frame_limit();
  ws_.async_read_some(buffer_, limit,
                      beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(error_code ec, std::size_t) {
  if (ec) {
    // Every end passes through here (close handshake done, peer gone, timeout, message too big,
    // protocol violation); Beast has already sent the close frame where one was due.
    if (ec == websocket::error::closed) {
      spdlog::debug("net: {} websocket closed ({})", peer_, ws_.reason().code);
    } else if (ec != asio::error::operation_aborted) {
      spdlog::debug("net: {} websocket read: {}", peer_, ec.message());
    }
    notify_closed();
    return;
  }
  if (!ws_.is_message_done()) {
    do_read();  // the rest of the message
    return;
  }
  // After we decided to close, further frames would only confuse the service.
  if (!closing_ && handler_) {
    auto handler = handler_;  // on_frame may end up in abort(), which drops handler_
    std::string_view bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    try {
      handler->on_frame(bytes);
    } catch (const std::exception& e) {
      spdlog::error("net: {} on_frame threw: {}", peer_, e.what());
      close(1011, "internal error");
    }
  }
  release_read_buffer();
  if (notified_) return;
  do_read();
}

bool ws_session::send(std::shared_ptr<const std::string> frame) {
  if (!frame || closing_ || notified_ || !opened_) return false;
  if (queue_.size() >= state_->options.send_queue_limit) {
    spdlog::debug("net: {} slow consumer ({} frames queued)", peer_, queue_.size());
    // Frames not yet started are dropped: a client this far behind resynchronises when it
    // reconnects, and the close frame reaches it sooner. It counts as gone from now on (its
    // grace starts), whether or not the close frame ever gets through; if it does not, the
    // write deadline drops the socket.
    drop_unsent();
    close(1008, "slow consumer");
    // Not from inside send(): the frontend may be in the middle of a fan-out.
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->notify_closed(); });
    return false;
  }
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
  return true;
}

std::size_t ws_session::send_room() const {
  if (closing_ || notified_ || !opened_) return 0;
  const auto limit = state_->options.send_queue_limit;
  return queue_.size() >= limit ? 0 : limit - queue_.size();
}

void ws_session::notify_writable() {
  if (closing_ || notified_) return;
  if (writing_) {
    wants_writable_ = true;
    return;
  }
  // Nothing queued already: tell it on the next turn, not from inside its own call.
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
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
  ws_.read_message_max(frame_limit());
  if (!counted) slot_.release();
}

void ws_session::check_deadlines(std::chrono::steady_clock::time_point now) {
  const auto& o = state_->options;
  if (!hello_done_ && opened_ && !closing_ && now - opened_at_ >= o.hello_timeout) {
    spdlog::debug("net: {} no hello within {} ms: closing", peer_, o.hello_timeout.count());
    close(1008, "hello timeout");
    return;
  }
  if (busy_since_ == std::chrono::steady_clock::time_point{} ||
      now - busy_since_ < o.write_timeout) {
    return;
  }
  spdlog::debug("net: {} write stalled for {} ms: dropping", peer_, o.write_timeout.count());
  abort();
}

void ws_session::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || notified_) return;
  closing_ = true;
  close_code_ = code;
  close_text_ = std::string(reason.substr(0, max_close_reason));
  // Before the handshake completes Beast cannot send a close frame; on_accept drops the socket.
  if (opened_ && !writing_) do_close();
}

void ws_session::abort() {
  error_code ignored;
  ws_.next_layer().close(ignored);  // pending operations finish with operation_aborted
  closing_ = true;
  notify_closed();
}

void ws_session::do_write() {
  writing_ = true;
  busy_since_ = std::chrono::steady_clock::now();
  ws_.async_write(asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
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
    // Make sure the read loop ends too, so on_close is not left to the idle timeout.
    error_code ignored;
    ws_.next_layer().close(ignored);
    return;
  }
  queue_.erase(queue_.begin());
  if (!queue_.empty()) {
    do_write();
    return;
  }
  if (queue_.capacity() > 4) queue_.shrink_to_fit();
  if (closing_) {
    if (!close_sent_) do_close();
    return;
  }
  if (wants_writable_ && handler_) {
    wants_writable_ = false;
    auto handler = handler_;  // on_writable may end in abort(), which drops handler_
    handler->on_writable();
  }
}

void ws_session::do_close() {
  close_sent_ = true;
  busy_since_ = std::chrono::steady_clock::now();
  websocket::close_reason reason(close_code_);
  reason.reason = close_text_;
  ws_.async_close(reason, beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
}

void ws_session::on_close(error_code ec) {
  busy_since_ = {};
  if (ec && ec != asio::error::operation_aborted) {
    spdlog::debug("net: {} websocket close: {}", peer_, ec.message());
    error_code ignored;
    ws_.next_layer().close(ignored);
  }
  // Success: Beast has torn down the TCP connection and the pending read reports `closed`.
}

void ws_session::notify_closed() {
  if (notified_) return;
  notified_ = true;
  closing_ = true;
  drop_unsent();
  release_read_buffer();
  auto handler = std::move(handler_);
  if (!opened_ || !handler || state_->frontend == nullptr) return;
  try {
    handler->on_close();
  } catch (const std::exception& e) {
    spdlog::error("net: {} on_close threw: {}", peer_, e.what());
  }
}

void ws_session::drop_unsent() {
  // The frame being written stays: Beast reads from it until on_write.
  queue_.erase(queue_.begin() + (writing_ ? 1 : 0), queue_.end());
  if (queue_.empty()) queue_.shrink_to_fit();
}

void ws_session::release_read_buffer() {
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();  // empty: frees the storage
}

}  // namespace lc::net::detail
