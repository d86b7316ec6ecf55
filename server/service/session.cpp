#include "server/service/session.hpp"

#include "server/core/envelope_parse.hpp"
#include "server/service/chat_service.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {
constexpr std::size_t max_inbox = 64;
constexpr int max_consecutive_errors = 20;
}  // namespace

session::session(chat_service& service, std::shared_ptr<client_link> link, std::string origin)
    : origin(std::move(origin)),
      service_(service),
      link_(std::move(link)),
      limiter_(service.options().messages_per_second, service.options().message_burst) {}

void session::on_frame(std::string_view bytes) {
  if (closed_) return;
  auto parsed = core::parse_client_envelope(bytes);
  if (auto* failure = std::get_if<core::parse_failure>(&parsed)) {
    send_error(failure->request_id, failure->err.code, failure->err.text);
    return;
  }
  auto& envelope = std::get<pb::ClientEnvelope>(parsed);
  if (!limiter_.allow(wall_clock_ms())) {
    send_error(envelope.request_id(), pb::ERROR_CODE_RATE_LIMITED,
               "too many requests: slow down and retry");
    return;
  }
  if (inbox_.size() >= max_inbox) {
    send_error(envelope.request_id(), pb::ERROR_CODE_RATE_LIMITED,
               "too many requests in flight: wait for replies");
    return;
  }
  inbox_.push_back(std::move(envelope));
  service_.on_session_frame(shared_from_this());
}

void session::on_close() {
  if (closed_) return;
  closed_ = true;
  service_.on_session_closed(shared_from_this());
}

void session::send(const pb::ServerEnvelope& envelope) {
  send(encode(envelope));
}

void session::send(const frame& f) {
  if (!closed_) link_->send(f);
}

void session::send_error(std::uint64_t request_id, pb::ErrorCode code, const std::string& text) {
  service_.metrics().add("livechat_errors_total", 1, {{"code", pb::ErrorCode_Name(code)}});
  send(error_envelope(request_id, code, text));
  // A client that only ever sends garbage is abusing the protocol, not having a bad moment.
  if (code == pb::ERROR_CODE_MALFORMED || code == pb::ERROR_CODE_UNKNOWN_TYPE) {
    if (++consecutive_errors_ >= max_consecutive_errors) close(1008, "too many bad frames");
  }
}

}  // namespace lc::service
