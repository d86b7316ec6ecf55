#include <spdlog/spdlog.h>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "server/core/http_head.hpp"
#include "server/core/json.hpp"
#include "server/net/sessions.hpp"
#include "server/net/static_files.hpp"

namespace lc::net::detail {

namespace websocket = boost::beast::websocket;
namespace {

constexpr std::size_t body_limit = 64UL * 1024;
constexpr std::size_t header_limit = 8UL * 1024;
// After an error response the client may still be sending; reading it away for a moment keeps
// the kernel from answering with a RST that could destroy the response before it is read.
constexpr auto linger_timeout = std::chrono::seconds(1);
constexpr std::size_t linger_budget = 4UL * 1024 * 1024;
constexpr std::uintmax_t static_file_limit = 32ULL * 1024 * 1024;

std::string endpoint_text(const tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > static_file_limit) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state,
                           address_slot slot)
    : stream_(std::move(socket)),
      state_(std::move(state)),
      peer_(endpoint_text(stream_.socket())),
      slot_(std::move(slot)) {
  state_->http_sessions.insert(this);
}

http_session::~http_session() {
  state_->http_sessions.erase(this);
}

void http_session::run() {
  do_read();
}

void http_session::drain() {
  // An idle keep-alive connection has nothing to finish; a busy one closes after its response
  // because keep_alive is computed with state_->draining set.
  if (reading_) do_close();
}

void http_session::abort() {
  stream_.close();
}

void http_session::do_read() {
  if (state_->draining) {
    do_close();
    return;
  }
  parser_.emplace();
  // No limit until the head says whether the body is streamed (an upload has its own); Beast
  // would refuse a large Content-Length while parsing the head otherwise.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  parser_->header_limit(header_limit);
  stream_.expires_after(state_->options.idle_timeout);
  reading_ = true;
  read_head();
}

void http_session::read_head() {
  const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  const auto end = data.find("\r\n\r\n");
  if (end != std::string_view::npos) {
    if (auto bad = core::check_request_head(data.substr(0, end + 4))) {
      reading_ = false;
      spdlog::debug("net: {} refused request head: {}", peer_, *bad);
      send_error(400, "bad_request", *bad);
      return;
    }
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&http_session::on_header, shared_from_this()));
    return;
  }
  if (buffer_.size() >= header_limit) {
    reading_ = false;
    send_error(400, "bad_request", "request header over 8 KiB");
    return;
  }
  stream_.async_read_some(
      buffer_.prepare(header_limit - buffer_.size()),
      beast::bind_front_handler(&http_session::on_head_bytes, shared_from_this()));
}

void http_session::on_head_bytes(error_code ec, std::size_t bytes) {
  buffer_.commit(bytes);
  if (ec) {
    reading_ = false;
    if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
      spdlog::debug("net: {} http read: {}", peer_, ec.message());
    }
    do_close();
    return;
  }
  read_head();
}

void http_session::on_header(error_code ec, std::size_t) {
  if (ec) {
    reading_ = false;
    on_read_error(ec);
    return;
  }
  const auto& req = parser_->get();
  const std::string_view target = req.target();
  if (state_->frontend != nullptr &&
      state_->frontend->streams_body(req.method_string(),
                                     target.substr(0, target.find_first_of("?#")))) {
    reading_ = false;
    start_upload();
    return;
  }
  if (auto length = parser_->content_length(); length && *length > body_limit) {
    reading_ = false;
    send_error(413, "too_large", "request body over 64 KiB");
    return;
  }
  parser_->body_limit(body_limit);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(error_code ec, std::size_t) {
  reading_ = false;
  if (ec) {
    on_read_error(ec);
    return;
  }
  request req = parser_->release();
  parser_.reset();
  handle_request(std::move(req));
}

void http_session::on_read_error(error_code ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    do_close();
    return;
  }
  if (ec == http::error::body_limit) {
    send_error(413, "too_large", "request body over 64 KiB");
    return;
  }
  if (ec == http::error::header_limit) {
    send_error(400, "bad_request", "request header over 8 KiB");
    return;
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_method).category()) {
    spdlog::debug("net: {} bad request: {}", peer_, ec.message());
    send_error(400, "bad_request", "malformed HTTP request");
    return;
  }
  if (ec != asio::error::operation_aborted) {
    spdlog::debug("net: {} http read: {}", peer_, ec.message());
  }
  do_close();
}

void http_session::handle_request(request req) {
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == http::verb::head;

  std::string_view target = req.target();
  if (target.empty() || target.front() != '/') {
    send_error(400, "bad_request", "request target must be origin-form");
    return;
  }
  std::string_view path = target.substr(0, target.find_first_of("?#"));

  origin_ = std::string(req[http::field::origin]);
  if (path == "/ws" && websocket::is_upgrade(req)) {
    upgrade(req);
    return;
  }

  const auto& static_dir = state_->options.static_dir;
  if (!static_dir.empty() && (req.method() == http::verb::get || head_) &&
      !is_dynamic_route(path)) {
    auto found = find_static_file(static_dir, target);
    if (found.outcome == static_lookup::result::bad_path) {
      send_error(400, "bad_request", "invalid path");
      return;
    }
    std::string body;
    if (found.outcome == static_lookup::result::found && read_file(found.file, body)) {
      auto res = std::make_shared<response>(http::status::ok, version_);
      res->set(http::field::content_type, found.content_type);
      res->set(http::field::cache_control, "no-cache");
      res->set("X-Content-Type-Options", "nosniff");
      res->set("Referrer-Policy", "no-referrer");
      if (found.content_type.rfind("text/html", 0) == 0) {
        // The console must not be framed (clickjacking) nor run anything but its own scripts.
        // Images may be blob: URLs: the pages fetch chat files with their token and show them
        // from there (only the page's own scripts can make one).
        res->set("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
                 "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        res->set("X-Frame-Options", "DENY");
      }
      res->keep_alive(keep_alive_ && !state_->draining);
      if (head_) {
        res->content_length(body.size());
      } else {
        res->body() = std::move(body);
        res->prepare_payload();
      }
      do_write(std::move(res));
      return;
    }
  }

  if (state_->frontend == nullptr) {
    send_error(503, "unavailable", "shutting down");
    return;
  }
  const bool api = path.rfind("/api/", 0) == 0;
  if (!origin_.empty() && api && !state_->options.allowed_origins.empty() &&
      !state_->origin_allowed(origin_)) {
    send_error(403, "forbidden", "origin not allowed");
    return;
  }
  if (req.method() == http::verb::options && api) {
    // A CORS preflight from an allowed origin (others got 403 above, or no CORS headers).
    lc::service::http_response pre;
    pre.status = 204;
    on_handled(with_cors(std::move(pre)));
    return;
  }
  lc::service::http_request out{std::string(req.method_string()),
                                std::string(target),
                                std::string(req[http::field::authorization]),
                                std::move(req.body()),
                                client_address(req),
                                std::string(req[http::field::content_type]),
                                std::nullopt};
  // The callback owns the session, so a late `done` always finds it; if the peer left
  // meanwhile, the write just fails. awaiting_ turns a second call into a no-op.
  awaiting_ = true;
  state_->frontend->handle_http(std::move(out),
                                [self = shared_from_this()](lc::service::http_response res) {
                                  if (!self->awaiting_) return;
                                  self->awaiting_ = false;
                                  self->on_handled(self->with_cors(std::move(res)));
                                });
}

lc::service::http_response http_session::with_cors(lc::service::http_response res) const {
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // Only pages of the configured sites may read answers from another origin.
  if (origin_.empty() || state_->options.allowed_origins.empty() ||
      !state_->origin_allowed(origin_)) {
    return res;
  }
  res.headers.emplace_back("Access-Control-Allow-Origin", origin_);
  res.headers.emplace_back("Vary", "Origin");
  res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
  res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  return res;
}

std::string http_session::peer_address() const {
  error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string();
}

std::string http_session::client_address(const request& req) const {
  std::string client = peer_address();
  if (state_->trusted_proxy(client)) {
    std::string_view xff = req["X-Forwarded-For"];
    const auto comma = xff.rfind(',');
    auto last = xff.substr(comma == std::string_view::npos ? 0 : comma + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
    if (!last.empty()) client = std::string(last);
  }
  return client;
}

void http_session::upgrade(request& req) {
  if (!state_->origin_allowed(origin_) && !origin_.empty()) {
    send_error(403, "forbidden", "origin not allowed");
    return;
  }
  const std::string client = client_address(req);
  if (client != slot_.address()) {
    if (address_slot::full(*state_, client)) {
      send_error(429, "too_many_connections", "too many connections from this address");
      return;
    }
    slot_ = address_slot(state_, client);
  }
  if (req[http::field::sec_websocket_version] != "13") {
    send_error(426, "upgrade_required", "only WebSocket version 13 is spoken here",
               std::pair{http::field::sec_websocket_version, std::string_view("13")});
    return;
  }
  const std::string_view key = req[http::field::sec_websocket_key];
  if (!core::ws::valid_handshake_key(key)) {
    send_error(400, "bad_request", "missing or malformed Sec-WebSocket-Key");
    return;
  }
  stream_.expires_never();
  // Bytes the client sent after the request head are its first frames.
  std::string early(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  auto ws = std::make_shared<ws_session>(stream_.release_socket(), state_, std::move(peer_),
                                         std::move(slot_));
  ws->run(key, std::move(early));
  // This session ends here; the socket belongs to the ws_session now.
}

void http_session::on_handled(lc::service::http_response res) {
  if (res.source != nullptr) {
    start_download(std::move(res));
    return;
  }
  auto out = std::make_shared<response>();
  out->version(version_);
  try {
    out->result(res.status);
    for (auto& [name, value] : res.headers) out->set(name, value);
    out->set(http::field::content_type, res.content_type);
    out->keep_alive(keep_alive_ && !state_->draining);
    unsigned status = res.status;
    bool bodiless = (status >= 100 && status < 200) || status == 204 || status == 304;
    if (head_) {
      out->content_length(res.body.size());
    } else if (!bodiless) {
      out->body() = std::move(res.body);
      out->prepare_payload();
    }
  } catch (const std::exception& e) {
    // A status over 999 or a header Beast refuses: the frontend's bug, not the client's.
    spdlog::warn("net: unusable response from frontend: {}", e.what());
    send_error(500, "internal", "internal error");
    return;
  }
  do_write(std::move(out));
}

void http_session::do_write(std::shared_ptr<response> res) {
  stream_.expires_after(state_->options.idle_timeout);
  auto& msg = *res;
  http::async_write(
      stream_, msg,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), std::move(res)));
}

void http_session::on_write(const std::shared_ptr<response>& res, error_code ec, std::size_t) {
  if (ec) {
    spdlog::debug("net: {} http write: {}", peer_, ec.message());
    do_close();
    return;
  }
  if (linger_) {
    do_linger();
    return;
  }
  after_response(res->keep_alive());
}

void http_session::after_response(bool keep_alive) {
  if (!keep_alive) {
    do_close();
    return;
  }
  do_read();
}

void http_session::send_error(unsigned status, std::string_view code, std::string_view message,
                              std::optional<std::pair<http::field, std::string_view>> header) {
  keep_alive_ = false;
  linger_ = true;
  auto res = std::make_shared<response>();
  res->version(version_);
  res->result(status);
  if (header) res->set(header->first, header->second);
  res->set(http::field::content_type, "application/json");
  res->keep_alive(false);
  res->body() = core::json_error(code, message);
  res->prepare_payload();
  do_write(std::move(res));
}

void http_session::do_linger() {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(linger_timeout);
  buffer_.consume(buffer_.size());
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&http_session::on_linger, shared_from_this()));
}

void http_session::on_linger(error_code ec, std::size_t bytes) {
  lingered_ += bytes;
  if (ec || lingered_ > linger_budget) {
    do_close();
    return;
  }
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&http_session::on_linger, shared_from_this()));
}

void http_session::do_close() {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();  // also cancels the stream's timer, which would keep its state alive
}

}  // namespace lc::net::detail
