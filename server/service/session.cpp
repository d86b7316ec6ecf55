#include "server/service/session.hpp"

#include <algorithm>

#include "server/core/envelope_parse.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {
constexpr std::size_t max_inbox = 64;
constexpr int max_consecutive_errors = 20;
}  // namespace

session::session(std::uint64_t id, std::shared_ptr<client_link> link, session_owner& owner,
                 const service_options& options, core::metrics_registry& metrics)
    : id_(id),
      link_(std::move(link)),
      owner_(owner),
      metrics_(metrics),
      limiter_(options.messages_per_second, options.message_burst) {}

session::~session() = default;

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
  owner_.on_request(*this);
}

void session::on_close() {
  if (closed_) return;
  closed_ = true;
  // Let go of everything at once: no index names this session from here on.
  follows_.clear();
  user_entry_.reset();
  std::vector<pb::ClientEnvelope>().swap(inbox_);
  owner_.on_closed(*this);
}

void session::on_writable() {
  if (!closed_) owner_.on_writable(*this);
}

void session::identify(pb::Role role, std::string user_id, std::string display_name,
                       const std::shared_ptr<session_index>& users) {
  role_ = role;
  user_id_ = std::move(user_id);
  display_name_ = std::move(display_name);
  if (!closed_) user_entry_.emplace(users, user_id_, id_);
}

follow* session::follow_conversation(const std::string& conv, core::delivery_cursor cursor,
                                     const std::shared_ptr<session_index>& followers) {
  if (closed_) return nullptr;
  auto it = follows_.find(conv);
  if (it != follows_.end()) return &it->second;
  auto [pos, added] = follows_.try_emplace(conv, followers, conv, id_, next_token_++, cursor);
  return &pos->second;
}

follow* session::find_follow(const std::string& conv) {
  auto it = follows_.find(conv);
  return it == follows_.end() ? nullptr : &it->second;
}

follow* session::find_follow(const std::string& conv, std::uint64_t token) {
  auto* f = find_follow(conv);
  return f != nullptr && f->token == token ? f : nullptr;
}

namespace {
constexpr std::size_t max_ended = 8;
}  // namespace

void session::unfollow(const std::string& conv) {
  if (follows_.erase(conv) > 0) remember_ended(conv);
}

void session::remember_ended(const std::string& conv) {
  if (std::find(ended_.begin(), ended_.end(), conv) != ended_.end()) return;
  if (ended_.size() >= max_ended) ended_.erase(ended_.begin());
  ended_.push_back(conv);
}

bool session::followed_recently(const std::string& conv) const {
  return follows_.contains(conv) || std::find(ended_.begin(), ended_.end(), conv) != ended_.end();
}

std::vector<std::string> session::followed() const {
  std::vector<std::string> out;
  out.reserve(follows_.size());
  for (const auto& [conv, f] : follows_) out.push_back(conv);
  return out;
}

void session::send(const pb::ServerEnvelope& envelope) {
  if (!closed_) link_->send(encode(envelope));
}

void session::send(const frame& f) {
  if (!closed_) link_->send(f);
}

void session::send_error(std::uint64_t request_id, pb::ErrorCode code, const std::string& text) {
  metrics_.add("livechat_errors_total", 1, {{"code", pb::ErrorCode_Name(code)}});
  send(error_envelope(request_id, code, text));
  // A client that only ever sends garbage is abusing the protocol, not having a bad moment.
  if (code == pb::ERROR_CODE_MALFORMED || code == pb::ERROR_CODE_UNKNOWN_TYPE) {
    if (++consecutive_errors_ >= max_consecutive_errors) close(1008, "too many bad frames");
  }
}

std::size_t session::send_room() const {
  return closed_ ? 0 : link_->send_room();
}

std::optional<pb::ClientEnvelope> session::next_request() {
  if (closed_ || inbox_.empty()) {
    // Idle connections hold no buffer.
    if (inbox_.capacity() > 0) std::vector<pb::ClientEnvelope>().swap(inbox_);
    return std::nullopt;
  }
  auto req = std::move(inbox_.front());
  inbox_.erase(inbox_.begin());  // at most 64 queued: cheap
  return req;
}

bool session::begin_handling() {
  if (handling_ || closed_) return false;
  handling_ = true;
  return true;
}

}  // namespace lc::service
