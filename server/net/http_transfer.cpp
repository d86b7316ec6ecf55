// Streamed bodies of http_session: an upload read piece by piece into the frontend's sink, a
// download written piece by piece from its source. At most one piece of either is in memory.
#include <spdlog/spdlog.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/net/sessions.hpp"

namespace lc::net::detail {
namespace {

constexpr std::size_t upload_piece_bytes = 64UL * 1024;

}  // namespace

void http_session::start_upload() {
  const auto& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = false;
  origin_ = std::string(req[http::field::origin]);
  if (!origin_.empty() && !state_->options.allowed_origins.empty() &&
      !state_->origin_allowed(origin_)) {
    send_error(403, "forbidden", "origin not allowed");
    return;
  }
  std::optional<std::uint64_t> length;
  if (auto cl = parser_->content_length()) length = *cl;
  lc::service::http_request head{std::string(req.method_string()),
                                 std::string(req.target()),
                                 std::string(req[http::field::authorization]),
                                 {},
                                 client_address(req),
                                 std::string(req[http::field::content_type]),
                                 length};
  awaiting_ = true;
  state_->frontend->open_upload(std::move(head),
                                [self = shared_from_this()](lc::service::upload_start start) {
                                  if (!self->awaiting_) return;
                                  self->awaiting_ = false;
                                  self->on_upload_start(std::move(start));
                                });
}

void http_session::on_upload_start(lc::service::upload_start start) {
  if (start.sink == nullptr) {
    // The body stays unread: the connection cannot be reused.
    keep_alive_ = false;
    linger_ = true;
    on_handled(with_cors(std::move(start.refusal)));
    return;
  }
  sink_ = std::move(start.sink);
  upload_.emplace(std::move(*parser_));
  parser_.reset();
  upload_->body_limit(start.max_bytes);
  if (auto length = upload_->content_length(); length && *length > start.max_bytes) {
    finish_upload(false, true);
    return;
  }
  piece_.resize(upload_piece_bytes);
  filled_ = 0;
  if (upload_->is_done()) {
    finish_upload(true, false);
    return;
  }
  read_upload();
}

void http_session::read_upload() {
  auto& body = upload_->get().body();
  body.data = piece_.data() + filled_;
  body.size = piece_.size() - filled_;
  // Each read must make progress within the idle timeout: a trickle is a slowloris.
  stream_.expires_after(state_->options.idle_timeout);
  http::async_read_some(
      stream_, buffer_, *upload_,
      beast::bind_front_handler(&http_session::on_upload_read, shared_from_this()));
}

void http_session::on_upload_read(error_code ec, std::size_t) {
  if (ec == http::error::need_buffer) ec = {};
  filled_ = piece_.size() - upload_->get().body().size;
  if (ec == http::error::body_limit) {
    finish_upload(false, true);
    return;
  }
  if (ec) {
    spdlog::debug("net: {} upload read: {}", peer_, ec.message());
    keep_alive_ = false;
    finish_upload(false, false);
    return;
  }
  const bool done = upload_->is_done();
  if (filled_ < piece_.size() && !done) {
    read_upload();
    return;
  }
  if (filled_ == 0) {
    finish_upload(true, false);
    return;
  }
  std::string piece = piece_.substr(0, filled_);
  filled_ = 0;
  sink_->write(std::move(piece), [self = shared_from_this(), done](bool ok) {
    if (!ok) {
      self->finish_upload(false, false);
    } else if (done) {
      self->finish_upload(true, false);
    } else {
      self->read_upload();
    }
  });
}

void http_session::finish_upload(bool complete, bool too_large) {
  if (!complete) {
    // The rest of the body is not read: after the answer the connection closes.
    keep_alive_ = false;
    linger_ = true;
  }
  piece_ = std::string();
  auto sink = std::move(sink_);
  upload_.reset();
  awaiting_ = true;
  sink->finish(complete, too_large, [self = shared_from_this()](lc::service::http_response res) {
    if (!self->awaiting_) return;
    self->awaiting_ = false;
    self->on_handled(self->with_cors(std::move(res)));
  });
}

void http_session::start_download(lc::service::http_response res) {
  auto head = std::make_shared<http::response<http::empty_body>>();
  head->version(version_);
  try {
    head->result(res.status);
    for (auto& [name, value] : res.headers) head->set(name, value);
    head->set(http::field::content_type, res.content_type);
  } catch (const std::exception& e) {
    spdlog::warn("net: unusable response from frontend: {}", e.what());
    send_error(500, "internal", "internal error");
    return;
  }
  head->content_length(res.source_length);
  download_keep_alive_ = keep_alive_ && !state_->draining;
  head->keep_alive(download_keep_alive_);
  remaining_ = head_ ? 0 : res.source_length;
  source_ = std::move(res.source);
  stream_.expires_after(state_->options.idle_timeout);
  auto& msg = *head;
  http::async_write(stream_, msg,
                    [self = shared_from_this(), head = std::move(head)](
                        error_code ec, std::size_t) { self->on_download_written(ec, 0); });
}

void http_session::next_download_piece() {
  source_->next([self = shared_from_this()](std::string piece, bool ok) {
    if (!ok || piece.empty() || piece.size() > self->remaining_) {
      // The length is promised already: a body cut short can only end with the connection.
      if (ok) spdlog::warn("net: {} download source broke its length", self->peer_);
      self->source_.reset();
      self->do_close();
      return;
    }
    auto buffer = std::make_shared<std::string>(std::move(piece));
    self->stream_.expires_after(self->state_->options.idle_timeout);
    boost::asio::async_write(
        self->stream_, boost::asio::buffer(*buffer),
        [self, buffer](error_code ec, std::size_t bytes) { self->on_download_written(ec, bytes); });
  });
}

void http_session::on_download_written(error_code ec, std::size_t bytes) {
  if (ec) {
    spdlog::debug("net: {} download write: {}", peer_, ec.message());
    source_.reset();
    do_close();
    return;
  }
  remaining_ -= bytes;
  if (remaining_ > 0) {
    next_download_piece();
    return;
  }
  source_.reset();
  after_response(download_keep_alive_);
}

}  // namespace lc::net::detail
