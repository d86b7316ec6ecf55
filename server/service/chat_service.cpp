#include "server/service/chat_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/core/ids.hpp"
#include "server/core/response_clock.hpp"
#include "server/core/validate.hpp"
#include "server/service/rest_api.hpp"
#include "server/service/service_metrics.hpp"
#include "server/store/event_codec.hpp"
#include "server/store/functions.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;

namespace {

constexpr std::uint32_t protocol_version = 1;
constexpr int match_batch = 128;
constexpr std::uint32_t catch_up_page = 500;

std::vector<std::string> split(std::string_view s, char sep, std::size_t max_parts) {
  std::vector<std::string> out;
  while (out.size() + 1 < max_parts) {
    auto pos = s.find(sep);
    if (pos == std::string_view::npos) break;
    out.emplace_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  out.emplace_back(s);
  return out;
}

// A random id with a one-letter kind: c(onversation), v(isitor), o(ffline message). Built by
// appending, which also keeps GCC 12's -Wrestrict false positive on `"c" + string` away.
std::string prefixed_id(char kind) {
  std::string id(1, kind);
  id += core::random_id(12);
  return id;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (...) {
    return 0;
  }
}

}  // namespace

chat_service::chat_service(asio::io_context& io, store::redis_connection& redis,
                           store::endpoint redis_endpoint, service_options options)
    : io_(io),
      redis_(redis),
      store_(redis),
      match_redis_(io, redis_endpoint, options.redis_timeout, store::functions_source),
      match_store_(match_redis_),
      options_(std::move(options)),
      tick_timer_(io),
      queue_timer_(io) {
  declare_metrics(metrics_);
  rest_ = std::make_unique<rest_api>(*this);
  subscriber_ = std::make_unique<store::redis_subscriber>(
      io, std::move(redis_endpoint), std::vector<std::string>{"lc:n:" + options_.node_id, "lc:all"},
      [this](const std::string& channel, std::string payload) {
        on_pubsub(channel, std::move(payload));
      },
      [this] { catch_up_everything(); });
  redis_.set_on_latency(
      [this](double seconds) { metrics_.observe("livechat_redis_command_seconds", seconds); });
  redis_.set_on_ready([this] { spawn(tick(), "tick on ready"); });
}

chat_service::~chat_service() = default;

void chat_service::start() {
  match_redis_.start();
  subscriber_->start();
  do_tick();
}

void chat_service::drain() {
  draining_ = true;
  stopped_ = true;
  tick_timer_.cancel();
  queue_timer_.cancel();
  pb::ServerEnvelope env;
  env.mutable_reconnect()->set_after_ms(0);
  auto f = encode(env);
  for (auto* s : std::vector<session*>(sessions_.begin(), sessions_.end())) {
    s->send(f);
    s->close(1012, "server restarting: reconnect");
  }
}

bool chat_service::ready() const {
  return redis_.ready() && subscriber_->subscribed() && lease_epoch_ != 0 && !draining_;
}

void chat_service::finish_drain(std::chrono::milliseconds max_wait, std::function<void()> done) {
  spawn(release_when_idle(std::chrono::steady_clock::now() + max_wait, std::move(done)), "drain");
}

chat_service::task chat_service::release_when_idle(std::chrono::steady_clock::time_point deadline,
                                                   std::function<void()> done) {
  asio::steady_timer wait(io_);
  while (in_flight_ > 0 && std::chrono::steady_clock::now() < deadline) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(asio::use_awaitable);
  }
  try {
    if (lease_epoch_ != 0 && redis_.ready()) {
      co_await store_.release(options_.node_id, lease_epoch_);
    }
  } catch (const std::exception& e) {
    spdlog::warn("drain: releasing the lease failed: {}", e.what());
  }
  done();
}

std::size_t chat_service::connected(pb::Role role) const {
  return role == pb::ROLE_AGENT ? by_agent_.size() : by_visitor_.size();
}

std::shared_ptr<connection_handler> chat_service::open(std::shared_ptr<client_link> link) {
  auto s = std::make_shared<session>(*this, link,
                                     options_.node_id + "/" + std::to_string(next_session_++));
  sessions_.insert(s.get());
  // A node without Redis, without its lease, or draining would only fail every request: send
  // the client on (behind a load balancer, to another node) instead.
  if (!ready()) link->close(1013, "node not ready: reconnect");
  return s;
}

void chat_service::handle_http(http_request request, std::function<void(http_response)> done) {
  rest_->handle(std::move(request), std::move(done));
}

void chat_service::spawn(task t, const char* what) {
  asio::co_spawn(io_, std::move(t), [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const store::store_error& err) {
      spdlog::warn("{}: {}", what, err.what());
    } catch (const std::exception& err) {
      spdlog::error("{}: {}", what, err.what());
    }
  });
}

// ------------------------------------------------------------------------------ requests

void chat_service::on_session_frame(const session_ptr& s) {
  if (s->draining_) return;
  s->draining_ = true;
  spawn(drain_inbox(s), "request");
}

chat_service::task chat_service::drain_inbox(session_ptr s) {
  // handle() answers every failure itself, so this loop always reaches its end. A closed
  // connection's queued requests are dropped: unacknowledged, the client retries them.
  ++in_flight_;
  while (!s->inbox_.empty() && !s->closed()) {
    auto req = std::move(s->inbox_.front());
    s->inbox_.erase(s->inbox_.begin());  // at most 64 queued: cheap
    co_await handle(s, std::move(req));
  }
  std::vector<pb::ClientEnvelope>().swap(s->inbox_);  // idle connections hold no buffer
  --in_flight_;
  s->draining_ = false;
}

chat_service::task chat_service::handle(session_ptr s, pb::ClientEnvelope req) {
  const auto rid = req.request_id();
  if (auto bad = core::validate_request(req, s->role, options_.limits)) {
    s->send_error(rid, bad->code, bad->text);
    co_return;
  }
  try {
    switch (req.body_case()) {
      case pb::ClientEnvelope::kHello:
        co_await on_hello(s, req);
        break;
      case pb::ClientEnvelope::kJoin:
        co_await on_join(s, req);
        break;
      case pb::ClientEnvelope::kSend:
        co_await on_send(s, req);
        break;
      case pb::ClientEnvelope::kReceipt:
        co_await on_receipt(s, req);
        break;
      case pb::ClientEnvelope::kTyping:
        co_await on_typing(s, req);
        break;
      case pb::ClientEnvelope::kPresence:
        co_await on_presence(s, req);
        break;
      case pb::ClientEnvelope::kTransfer:
        co_await on_transfer(s, req);
        break;
      case pb::ClientEnvelope::kClose:
        co_await on_close(s, req);
        break;
      case pb::ClientEnvelope::kRate:
        co_await on_rate(s, req);
        break;
      case pb::ClientEnvelope::kOfflineMessage:
        co_await on_offline_message(s, req);
        break;
      case pb::ClientEnvelope::kListOfflineMessages:
        co_await on_list_offline(s, req);
        break;
      case pb::ClientEnvelope::kPing: {
        pb::ServerEnvelope env;
        env.set_request_id(rid);
        env.mutable_pong()->set_server_time_ms(wall_clock_ms());
        s->send(env);
        break;
      }
      default:
        s->send_error(rid, pb::ERROR_CODE_UNKNOWN_TYPE, "unknown request type");
    }
    s->consecutive_errors_ = 0;
  } catch (const store::store_error& e) {
    s->send_error(rid, e.code(), e.what());
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", rid, e.what());
    s->send_error(rid, pb::ERROR_CODE_INTERNAL, "internal error");
  }
}

void chat_service::send_ack(session& s, std::uint64_t request_id, const std::string& conv,
                            std::uint64_t seq) {
  pb::ServerEnvelope env;
  env.set_request_id(request_id);
  auto* ack = env.mutable_ack();
  ack->set_conversation_id(conv);
  ack->set_seq(seq);
  s.send(env);
}

chat_service::task chat_service::on_hello(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& h = req.hello();
  const auto now_s = wall_clock_ms() / 1000;
  std::map<std::string, std::uint64_t> resume;
  for (const auto& p : h.resume()) resume[p.conversation_id()] = p.last_seq();

  pb::ServerEnvelope env;
  env.set_request_id(req.request_id());
  auto* w = env.mutable_welcome();
  w->set_node_id(options_.node_id);
  w->set_protocol_version(protocol_version);

  if (!h.agent_token().empty()) {
    auto claims = core::verify_agent_token(h.agent_token(), options_.secret, now_s);
    if (!claims) {
      s->send_error(req.request_id(), pb::ERROR_CODE_UNAUTHENTICATED,
                    "agent token is invalid or expired");
      co_return;
    }
    s->role = pb::ROLE_AGENT;
    s->user_id = claims->agent_id;
    s->display_name = claims->display_name.empty() ? claims->agent_id : claims->display_name;
    s->agent = *claims;
    by_agent_[s->user_id].insert(s.get());
    auto connected = co_await store_.agent_connect(s->user_id, s->display_name, claims->capacity,
                                                   claims->departments, options_.node_id);
    auto overview = co_await store_.overview();
    w->set_role(pb::ROLE_AGENT);
    w->set_user_id(s->user_id);
    w->set_display_name(s->display_name);
    w->set_capacity(claims->capacity);
    w->set_server_time_ms(overview.now_ms);
    for (const auto& d : claims->departments) w->add_departments(d);
    for (const auto& d : overview.departments) {
      auto* st = w->add_department_status();
      st->set_department(d.department);
      st->set_agents_online(d.agents_online);
    }
    s->send(env);
    for (const auto& conv : connected.conversations) {
      auto it = resume.find(conv);
      co_await push_assigned(s, conv, it == resume.end() ? 0 : it->second);
    }
    if (connected.status == "online") {
      for (const auto& d : claims->departments) request_match(d);
    }
    co_return;
  }

  std::string visitor;
  if (!h.visitor_token().empty()) {
    auto claims = core::verify_visitor_token(h.visitor_token(), options_.secret, now_s);
    if (!claims) {
      s->send_error(req.request_id(), pb::ERROR_CODE_UNAUTHENTICATED,
                    "visitor token is invalid or expired");
      co_return;
    }
    visitor = claims->visitor_id;
  } else {
    visitor = prefixed_id('v');
  }
  s->role = pb::ROLE_VISITOR;
  s->user_id = visitor;
  by_visitor_[visitor].insert(s.get());
  auto open = co_await store_.visitor_open_conversation(visitor);
  auto overview = co_await store_.overview();
  w->set_role(pb::ROLE_VISITOR);
  w->set_user_id(visitor);
  w->set_visitor_token(core::sign_visitor_token(
      {visitor, now_s + static_cast<std::int64_t>(options_.visitor_token_ttl.count())},
      options_.secret));
  w->set_server_time_ms(overview.now_ms);
  w->set_open_conversation_id(open);
  for (const auto& d : overview.departments) {
    auto* st = w->add_department_status();
    st->set_department(d.department);
    st->set_agents_online(d.agents_online);
  }
  s->send(env);
  if (!open.empty()) {
    auto it = resume.find(open);
    co_await resume_conversation(s, open, it == resume.end() ? 0 : it->second);
  }
}

chat_service::task chat_service::resume_conversation(session_ptr s, std::string conv,
                                                     std::uint64_t after_seq) {
  auto rec = co_await store_.conversation(conv);
  if (!rec || rec->get("state") == "closed" || rec->get("visitor") != s->user_id) co_return;
  s->open_conversation = conv;
  s->display_name = rec->get("vname");
  const auto state = rec->get("state");
  follow(*s, conv, after_seq + 1,
         state == "assigned" ? pb::CONVERSATION_STATE_ASSIGNED : pb::CONVERSATION_STATE_QUEUED);
  co_await store_.visitor_presence(conv, s->user_id, options_.node_id, true, 0);
  co_await catch_up(s, conv);
  const auto dept = rec->get("dept");
  if (state == "queued") {
    queued_local_[dept].insert(conv);
    queued_department_[conv] = dept;
    mark_queue_dirty(dept);
  } else if (state == "assigned") {
    pb::ServerEnvelope env;
    auto* a = env.mutable_assigned();
    a->set_conversation_id(conv);
    a->set_agent_id(rec->get("agent"));
    a->set_agent_name(rec->get("aname"));
    a->set_department(dept);
    a->set_epoch(static_cast<std::uint64_t>(rec->get_int("epoch")));
    a->set_joined_at_ms(rec->get_int("joined"));
    s->send(env);
    std::vector<std::string> cmd{"HGET", "lc:agent:" + rec->get("agent"), "gone"};
    auto gone = co_await store_.exec(std::move(cmd));
    if (!gone.as_string().empty()) {
      pb::ServerEnvelope ac;
      auto* c = ac.mutable_agent_connection();
      c->set_conversation_id(conv);
      c->set_connected(false);
      c->set_grace_seconds(static_cast<std::uint32_t>(
          std::max<std::int64_t>(0, (gone.as_int() - wall_clock_ms()) / 1000)));
      s->send(ac);
    }
  }
}

chat_service::task chat_service::on_join(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& j = req.join();
  if (!s->open_conversation.empty()) {
    s->send_error(req.request_id(), pb::ERROR_CODE_CONFLICT,
                  "already in conversation " + s->open_conversation);
    co_return;
  }
  store::join_params p;
  p.conversation_id = prefixed_id('c');
  p.visitor_id = s->user_id;
  p.name = trim(j.display_name());
  p.email = j.email();
  p.department = j.department();
  p.page_url = j.page_url();
  p.first_message = j.first_message();
  p.client_msg_id = j.client_msg_id();
  p.node = options_.node_id;
  p.metadata.insert(j.metadata().begin(), j.metadata().end());
  auto r = co_await store_.join(p);
  s->open_conversation = r.conversation_id;
  s->display_name = p.name;
  // The client already shows its own first message; it reads from the next seq on. Matching
  // may already have assigned the chat (its wake-up came before this follow): read the stream.
  follow(*s, r.conversation_id, r.seq + 1, pb::CONVERSATION_STATE_QUEUED);
  spawn(catch_up(s, r.conversation_id), "catch-up after join");
  queued_local_[p.department].insert(r.conversation_id);
  queued_department_[r.conversation_id] = p.department;
  pb::ServerEnvelope env;
  env.set_request_id(req.request_id());
  auto* ack = env.mutable_ack();
  ack->set_conversation_id(r.conversation_id);
  ack->set_seq(r.seq);
  ack->set_client_msg_id(j.client_msg_id());
  ack->set_duplicate(r.existing);
  ack->set_at_ms(r.joined_ms);
  s->send(env);
  if (!r.existing) {
    metrics_.add("livechat_conversations_joined_total", 1, {{"department", p.department}});
    if (!p.first_message.empty()) metrics_.add("livechat_messages_total", 1, {{"role", "visitor"}});
  }
  mark_queue_dirty(p.department);
  request_match(p.department);
}

chat_service::task chat_service::on_send(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& m = req.send();
  if (!s->follows.contains(m.conversation_id())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  if (refused_locally(*s, req.request_id(), m.conversation_id(),
                      s->role == pb::ROLE_AGENT ? core::conversation_action::agent_message
                                                : core::conversation_action::visitor_message)) {
    co_return;
  }
  auto r = co_await store_.post(m.conversation_id(), s->role, s->user_id, s->display_name,
                                m.client_msg_id(), m.text(), options_.node_id, s->origin,
                                s->follows[m.conversation_id()].assignment_epoch);
  pb::ServerEnvelope env;
  env.set_request_id(req.request_id());
  auto* ack = env.mutable_ack();
  ack->set_conversation_id(m.conversation_id());
  ack->set_seq(r.seq);
  ack->set_client_msg_id(m.client_msg_id());
  ack->set_duplicate(r.duplicate);
  ack->set_at_ms(r.at_ms);
  s->send(env);
  if (!r.duplicate) {
    metrics_.add("livechat_messages_total", 1,
                 {{"role", s->role == pb::ROLE_AGENT ? "agent" : "visitor"}});
  }
}

chat_service::task chat_service::on_receipt(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& r = req.receipt();
  auto kind = r.kind() == pb::RECEIPT_KIND_READ ? "read" : "delivered";
  auto latency_ms = co_await store_.signal(r.conversation_id(), s->role, s->user_id, kind,
                                           std::to_string(r.seq()), "");
  if (latency_ms > 0) {
    metrics_.observe("livechat_delivery_latency_seconds", static_cast<double>(latency_ms) / 1000);
  }
  send_ack(*s, req.request_id(), r.conversation_id(), r.seq());
}

chat_service::task chat_service::on_typing(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& t = req.typing();
  if (refused_locally(*s, req.request_id(), t.conversation_id(),
                      core::conversation_action::typing)) {
    co_return;
  }
  co_await store_.signal(t.conversation_id(), s->role, s->user_id, "typing", t.typing() ? "1" : "0",
                         s->display_name);
  send_ack(*s, req.request_id(), t.conversation_id());
}

chat_service::task chat_service::on_presence(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& p = req.presence();
  const char* status = p.status() == pb::PRESENCE_STATUS_ONLINE ? "online"
                       : p.status() == pb::PRESENCE_STATUS_AWAY ? "away"
                                                                : "offline";
  if (p.capacity() > s->agent.capacity) {
    s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT,
                  "capacity above the token's " + std::to_string(s->agent.capacity));
    co_return;
  }
  co_await store_.presence(s->user_id, status, p.capacity());
  send_ack(*s, req.request_id(), "");
  for (const auto& d : s->agent.departments) request_match(d);
}

chat_service::task chat_service::on_transfer(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& t = req.transfer();
  if (refused_locally(*s, req.request_id(), t.conversation_id(),
                      core::conversation_action::transfer)) {
    co_return;
  }
  auto r = co_await store_.transfer(t.conversation_id(), s->user_id, t.to_agent_id(),
                                    t.to_department(), t.note());
  send_ack(*s, req.request_id(), t.conversation_id());
  metrics_.add("livechat_transfers_total", 1, {{"kind", r.to_agent ? "agent" : "department"}});
  if (!r.to_agent) request_match(r.target);
}

chat_service::task chat_service::on_close(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& conv = req.close().conversation_id();
  if (refused_locally(*s, req.request_id(), conv, core::conversation_action::close)) co_return;
  auto r = co_await store_.close(conv, s->role, s->user_id);
  if (s->open_conversation == conv) s->open_conversation.clear();
  send_ack(*s, req.request_id(), conv, r.seq);
  metrics_.add("livechat_conversations_closed_total", 1, {{"department", r.department}});
  spawn(finalize(conv), "records");
  if (!r.agent_id.empty()) request_match(r.department);
}

chat_service::task chat_service::on_rate(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& r = req.rate();
  co_await store_.rate(r.conversation_id(), s->user_id, r.rating(), r.comment());
  send_ack(*s, req.request_id(), r.conversation_id());
}

chat_service::task chat_service::on_offline_message(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& m = req.offline_message();
  auto id = prefixed_id('o');
  co_await store_.offline_leave(id, s->user_id, trim(m.display_name()), m.email(), m.department(),
                                m.text());
  send_ack(*s, req.request_id(), id);
  metrics_.add("livechat_offline_messages_total", 1, {{"department", m.department()}});
}

chat_service::task chat_service::on_list_offline(session_ptr s, const pb::ClientEnvelope& req) {
  const auto& l = req.list_offline_messages();
  std::vector<std::string> departments;
  if (!l.department().empty()) {
    const auto& mine = s->agent.departments;
    if (!s->agent.admin && std::find(mine.begin(), mine.end(), l.department()) == mine.end()) {
      s->send_error(req.request_id(), pb::ERROR_CODE_FORBIDDEN,
                    "not an agent of department " + l.department());
      co_return;
    }
    departments.push_back(l.department());
  } else if (!s->agent.admin) {
    departments = s->agent.departments;
  }
  auto list = co_await store_.offline_list(departments, l.limit() == 0 ? 50 : l.limit());
  pb::ServerEnvelope env;
  env.set_request_id(req.request_id());
  auto* out = env.mutable_offline_messages();
  for (auto& m : list) *out->add_messages() = std::move(m);
  s->send(env);
}

// ------------------------------------------------------------------------------ sessions

void chat_service::on_session_closed(const session_ptr& s) {
  sessions_.erase(s.get());
  for (const auto& [conv, f] : s->follows) {
    auto it = by_conv_.find(conv);
    if (it == by_conv_.end()) continue;
    it->second.erase(s.get());
    if (it->second.empty()) by_conv_.erase(it);
  }
  auto drop_from = [&](auto& index) -> bool {
    auto it = index.find(s->user_id);
    if (it == index.end()) return false;
    it->second.erase(s.get());
    if (!it->second.empty()) return false;
    index.erase(it);
    return true;
  };
  if (s->role == pb::ROLE_AGENT) {
    if (drop_from(by_agent_) && !draining_) {
      spawn(disconnected(s->user_id, s->role, ""), "agent disconnect");
    }
  } else if (s->role == pb::ROLE_VISITOR) {
    if (drop_from(by_visitor_) && !s->open_conversation.empty()) {
      const auto& conv = s->open_conversation;
      auto dept = queued_department_.find(conv);
      if (dept != queued_department_.end()) {
        queued_local_[dept->second].erase(conv);
        queued_department_.erase(dept);
      }
      if (!draining_) spawn(disconnected(s->user_id, s->role, conv), "visitor disconnect");
    }
  }
}

chat_service::task chat_service::disconnected(std::string user_id, pb::Role role,
                                              std::string conv) {
  if (role == pb::ROLE_AGENT) {
    co_await store_.agent_disconnect(user_id, options_.node_id, options_.agent_grace.count());
  } else {
    co_await store_.visitor_presence(conv, user_id, options_.node_id, false,
                                     options_.visitor_grace.count());
  }
}

// ------------------------------------------------------------------------------ delivery

void chat_service::follow(session& s, const std::string& conv, std::uint64_t next_seq,
                          core::conversation_state state) {
  auto& f = s.follows[conv];
  f.next_seq = std::max(f.next_seq, next_seq);
  f.state = state;
  by_conv_[conv].insert(&s);
}

bool chat_service::refused_locally(session& s, std::uint64_t request_id, const std::string& conv,
                                   core::conversation_action action) {
  auto it = s.follows.find(conv);
  if (it == s.follows.end() || it->second.state == pb::CONVERSATION_STATE_UNSPECIFIED) {
    return false;
  }
  auto bad = core::check_action(it->second.state, action);
  if (!bad) return false;
  s.send_error(request_id, bad->code, bad->text);
  return true;
}

void chat_service::unfollow(session& s, const std::string& conv) {
  s.follows.erase(conv);
  auto it = by_conv_.find(conv);
  if (it == by_conv_.end()) return;
  it->second.erase(&s);
  if (it->second.empty()) by_conv_.erase(it);
}

void chat_service::for_conv(const std::string& conv, const std::function<void(session&)>& f) {
  auto it = by_conv_.find(conv);
  if (it == by_conv_.end()) return;
  // Copy: a callback may unfollow.
  for (auto* s : std::vector<session*>(it->second.begin(), it->second.end())) f(*s);
}

void chat_service::on_pubsub(const std::string& channel, std::string payload) {
  if (payload.size() < 2 || payload[1] != '|') return;
  const char kind = payload[0];
  std::string_view rest(payload);
  rest.remove_prefix(2);
  if (kind == 'e') {
    auto bar = rest.find('|');
    if (bar == std::string_view::npos) return;
    std::string conv(rest.substr(0, bar));
    auto fields = store::decode_netstrings(rest.substr(bar + 1));
    if (!fields) {
      spdlog::warn("pubsub: malformed event on {}", channel);
      return;
    }
    std::string origin;
    auto event = store::event_from_fields(conv, *fields, &origin);
    on_event(conv, event, origin);
    return;
  }
  auto parts = split(rest, '|', 5);
  if (kind == 'a' && parts.size() >= 2) {
    on_assigned(parts[0], parts[1]);
  } else if (kind == 'u' && parts.size() >= 2) {
    on_unassigned(parts[0], parts[1]);
  } else if (kind == 't' && parts.size() >= 4) {
    pb::ServerEnvelope env;
    auto* t = env.mutable_typing();
    t->set_conversation_id(parts[0]);
    t->set_role(pb::Role(to_int(parts[1])));
    t->set_typing(parts[2] == "1");
    t->set_name(parts[3]);
    auto f = encode(env);
    const auto from = t->role();
    for_conv(parts[0], [&](session& s) {
      if (s.role != from) s.send(f);
    });
  } else if (kind == 'r' && parts.size() >= 4) {
    pb::ServerEnvelope env;
    auto* r = env.mutable_receipt();
    r->set_conversation_id(parts[0]);
    r->set_reader_role(pb::Role(to_int(parts[1])));
    r->set_kind(parts[2] == "read" ? pb::RECEIPT_KIND_READ : pb::RECEIPT_KIND_DELIVERED);
    r->set_seq(static_cast<std::uint64_t>(to_int(parts[3])));
    auto f = encode(env);
    const auto from = r->reader_role();
    for_conv(parts[0], [&](session& s) {
      if (s.role != from) s.send(f);
    });
  } else if (kind == 'c' && parts.size() >= 3) {
    pb::ServerEnvelope env;
    auto* c = env.mutable_agent_connection();
    c->set_conversation_id(parts[0]);
    c->set_connected(parts[1] == "1");
    c->set_grace_seconds(static_cast<std::uint32_t>(to_int(parts[2])));
    auto f = encode(env);
    for_conv(parts[0], [&](session& s) {
      if (s.role == pb::ROLE_VISITOR) s.send(f);
    });
  } else if (kind == 'q') {
    mark_queue_dirty(parts[0]);
  }
}

void chat_service::on_event(const std::string& conv, const pb::ChatEvent& event,
                            const std::string& origin) {
  for_conv(conv, [&](session& s) {
    auto it = s.follows.find(conv);
    if (it != s.follows.end()) deliver(s, it->second, event, origin);
  });
}

void chat_service::deliver(session& s, follow_state& f, const pb::ChatEvent& event,
                           const std::string& origin) {
  if (f.catching_up) {
    f.newest_seen = std::max(f.newest_seen, event.seq());
    return;
  }
  if (event.seq() < f.next_seq) return;  // already delivered
  if (event.seq() > f.next_seq) {
    // A wake-up went missing (or arrived out of order): the stream fills the gap.
    f.newest_seen = event.seq();
    spawn(catch_up(s.shared_from_this(), event.conversation_id()), "catch-up");
    return;
  }
  ++f.next_seq;
  std::optional<core::conversation_transition> transition;
  switch (event.kind()) {
    case pb::EVENT_KIND_ASSIGNED:
      transition = core::conversation_transition::assign;
      break;
    case pb::EVENT_KIND_TRANSFERRED:
      transition = event.agent_id().empty() ? core::conversation_transition::requeue
                                            : core::conversation_transition::transfer_to_agent;
      break;
    case pb::EVENT_KIND_REQUEUED:
      transition = core::conversation_transition::requeue;
      break;
    case pb::EVENT_KIND_CLOSED:
      transition = core::conversation_transition::close;
      break;
    default:
      break;
  }
  if (transition) {
    if (auto next = core::next_state(f.state, *transition)) f.state = *next;
  }
  if (origin != s.origin) {
    pb::ServerEnvelope env;
    *env.mutable_event() = event;
    s.send(env);
  }
  const auto& conv = event.conversation_id();
  switch (event.kind()) {
    case pb::EVENT_KIND_ASSIGNED:
    case pb::EVENT_KIND_TRANSFERRED:
      if (s.role == pb::ROLE_VISITOR && !event.agent_id().empty()) {
        pb::ServerEnvelope env;
        auto* a = env.mutable_assigned();
        a->set_conversation_id(conv);
        a->set_agent_id(event.agent_id());
        a->set_agent_name(event.sender_name());
        auto d = queued_department_.find(conv);
        if (d != queued_department_.end()) a->set_department(d->second);
        s.send(env);
        if (d != queued_department_.end()) {
          queued_local_[d->second].erase(conv);
          queued_department_.erase(d);
        }
      }
      [[fallthrough]];
    case pb::EVENT_KIND_REQUEUED:
      if (s.role == pb::ROLE_VISITOR && event.agent_id().empty() && !event.department().empty()) {
        queued_local_[event.department()].insert(conv);
        queued_department_[conv] = event.department();
        mark_queue_dirty(event.department());
      }
      break;
    case pb::EVENT_KIND_CLOSED:
      if (s.role == pb::ROLE_VISITOR && s.open_conversation == conv) s.open_conversation.clear();
      unfollow(s, conv);
      break;
    default:
      break;
  }
}

chat_service::task chat_service::catch_up(session_ptr s, std::string conv) {
  auto it = s->follows.find(conv);
  if (it == s->follows.end() || it->second.catching_up) co_return;
  it->second.catching_up = true;
  std::vector<pb::ChatEvent> events;
  std::vector<std::string> origins;
  try {
    for (int round = 0; round < 1000; ++round) {
      auto from = it->second.next_seq - 1;
      events = co_await store_.events(conv, from, catch_up_page, &origins);
      it = s->follows.find(conv);
      if (s->closed() || it == s->follows.end()) co_return;
      it->second.catching_up = false;
      for (std::size_t i = 0; i < events.size(); ++i) {
        it = s->follows.find(conv);
        if (it == s->follows.end()) co_return;  // a CLOSED event ended the follow
        deliver(*s, it->second, events[i], origins[i]);
      }
      it = s->follows.find(conv);
      if (it == s->follows.end()) co_return;
      if (events.size() < catch_up_page && it->second.newest_seen < it->second.next_seq) break;
      it->second.catching_up = true;
    }
  } catch (...) {
    it = s->follows.find(conv);
    if (it != s->follows.end()) it->second.catching_up = false;
    throw;
  }
}

void chat_service::catch_up_everything() {
  for (auto* s : std::vector<session*>(sessions_.begin(), sessions_.end())) {
    for (const auto& [conv, f] : std::map<std::string, follow_state>(s->follows)) {
      spawn(catch_up(s->shared_from_this(), conv), "resubscribe catch-up");
    }
  }
}

chat_service::task chat_service::push_assigned(session_ptr s, std::string conv,
                                               std::uint64_t after_seq) {
  auto& f = s->follows[conv];
  by_conv_[conv].insert(s.get());
  f.state = pb::CONVERSATION_STATE_ASSIGNED;
  f.catching_up = true;  // events announced meanwhile are read below or right after
  // Reads for an assignment use the matching connection: it is not queued behind a join burst.
  auto& assign_store = match_redis_.ready() ? match_store_ : store_;
  try {
    auto rec = co_await assign_store.conversation(conv);
    if (!rec || rec->get("agent") != s->user_id || rec->get("state") != "assigned") {
      unfollow(*s, conv);
      co_return;
    }
    std::vector<std::string> origins;
    auto history = co_await assign_store.events(conv, after_seq, 0, &origins);
    pb::ServerEnvelope env;
    auto* a = env.mutable_assigned();
    a->set_conversation_id(conv);
    a->set_agent_id(s->user_id);
    a->set_agent_name(rec->get("aname"));
    a->set_department(rec->get("dept"));
    a->set_epoch(static_cast<std::uint64_t>(rec->get_int("epoch")));
    a->set_joined_at_ms(rec->get_int("joined"));
    auto* v = a->mutable_visitor();
    v->set_visitor_id(rec->get("visitor"));
    v->set_display_name(rec->get("vname"));
    v->set_email(rec->get("email"));
    v->set_page_url(rec->get("page"));
    v->mutable_metadata()->insert(rec->metadata.begin(), rec->metadata.end());
    auto previous = co_await assign_store.visitor_conversations(rec->get("visitor"), 6);
    for (const auto& id : previous) {
      if (id == conv || v->previous_conversations_size() >= 5) continue;
      auto old = co_await assign_store.conversation(id);
      if (!old) continue;
      auto* p = v->add_previous_conversations();
      p->set_conversation_id(id);
      p->set_joined_at_ms(old->get_int("joined"));
      p->set_closed_at_ms(old->get_int("closed"));
      p->set_agent_id(old->get("agent"));
      p->set_department(old->get("dept"));
      p->set_first_message(old->get("first"));
      p->set_rating(static_cast<std::uint32_t>(old->get_int("rating")));
    }
    for (auto& e : history) *a->add_history() = std::move(e);
    auto it = s->follows.find(conv);
    if (s->closed() || it == s->follows.end()) co_return;
    it->second.assignment_epoch = rec->get("epoch");
    if (!history.empty() || after_seq > 0) {
      auto last = a->history_size() > 0 ? a->history(a->history_size() - 1).seq() : after_seq;
      it->second.next_seq = std::max(it->second.next_seq, last + 1);
    }
    s->send(env);
    it->second.catching_up = false;
    if (it->second.newest_seen >= it->second.next_seq) co_await catch_up(s, conv);
  } catch (...) {
    auto it = s->follows.find(conv);
    if (it != s->follows.end()) it->second.catching_up = false;
    throw;
  }
}

void chat_service::on_assigned(const std::string& conv, const std::string& agent) {
  // Visitors learn of their agent from the ASSIGNED event itself, delivered in seq order (see
  // deliver); only the agent's side needs the conversation loaded.
  auto agents = by_agent_.find(agent);
  if (agents == by_agent_.end()) return;
  for (auto* s : std::vector<session*>(agents->second.begin(), agents->second.end())) {
    if (!s->follows.contains(conv)) spawn(push_assigned(s->shared_from_this(), conv, 0), "assign");
  }
}

void chat_service::on_unassigned(const std::string& conv, const std::string& agent) {
  auto agents = by_agent_.find(agent);
  if (agents == by_agent_.end()) return;
  pb::ServerEnvelope env;
  env.mutable_unassigned()->set_conversation_id(conv);
  env.mutable_unassigned()->set_reason("reassigned");
  auto f = encode(env);
  for (auto* s : std::vector<session*>(agents->second.begin(), agents->second.end())) {
    if (!s->follows.contains(conv)) continue;
    s->send(f);
    unfollow(*s, conv);
  }
}

// ------------------------------------------------------------------------------ queue, matching

void chat_service::mark_queue_dirty(const std::string& department) {
  auto it = queued_local_.find(department);
  if (it == queued_local_.end() || it->second.empty()) return;
  dirty_departments_.insert(department);
  if (queue_flush_scheduled_ || stopped_) return;
  queue_flush_scheduled_ = true;
  // Coalesce: a burst of joins and matches costs one status round per department. With many
  // waiting visitors on this node, positions move constantly; once a second is enough for them
  // and keeps a join storm from turning into a storm of status frames.
  std::size_t waiting = 0;
  for (const auto& [dept, convs] : queued_local_) waiting += convs.size();
  queue_timer_.expires_after(std::chrono::milliseconds(waiting > 500 ? 1000 : 100));
  queue_timer_.async_wait([this](boost::system::error_code ec) {
    queue_flush_scheduled_ = false;
    if (!ec) spawn(flush_queue_status(), "queue status");
  });
}

chat_service::task chat_service::flush_queue_status() {
  auto dirty = std::move(dirty_departments_);
  dirty_departments_.clear();
  for (const auto& dept : dirty) {
    auto it = queued_local_.find(dept);
    if (it == queued_local_.end() || it->second.empty()) continue;
    std::vector<std::string> convs(it->second.begin(), it->second.end());
    auto info = co_await store_.queue_status(dept, convs);
    const auto rate = assignment_rates_[dept].per_second(wall_clock_ms());
    for (std::size_t i = 0; i < convs.size() && i < info.ranks.size(); ++i) {
      if (info.ranks[i] < 0) continue;
      const auto position = static_cast<std::uint32_t>(info.ranks[i] + 1);
      const auto wait_s =
          core::estimate_wait_seconds({position, info.free_slots, info.agents_online, rate});
      frame f;  // encoded once, and only if some connection has not seen this status yet
      for_conv(convs[i], [&](session& s) {
        auto it = s.follows.find(convs[i]);
        if (s.role != pb::ROLE_VISITOR || it == s.follows.end()) return;
        if (it->second.shown_position == position && it->second.shown_wait_s == wait_s) return;
        it->second.shown_position = position;
        it->second.shown_wait_s = wait_s;
        if (!f) {
          pb::ServerEnvelope env;
          auto* q = env.mutable_queue_status();
          q->set_conversation_id(convs[i]);
          q->set_department(dept);
          q->set_position(position);
          q->set_queue_length(info.length);
          q->set_agents_online(info.agents_online);
          q->set_estimated_wait_seconds(wait_s);
          f = encode(env);
        }
        s.send(f);
      });
    }
  }
}

void chat_service::request_match(const std::string& department) {
  if (stopped_ || department.empty()) return;
  if (matching_.contains(department)) {
    match_again_.insert(department);
    return;
  }
  matching_.insert(department);
  spawn(run_match(department), "match");
}

chat_service::task chat_service::run_match(std::string department) {
  try {
    for (int round = 0; round < 1000; ++round) {
      auto& matcher = match_redis_.ready() ? match_store_ : store_;
      auto matched = co_await matcher.match(department, match_batch);
      const auto now = wall_clock_ms();
      for (const auto& m : matched) {
        metrics_.observe("livechat_queue_wait_seconds", static_cast<double>(m.wait_ms) / 1000,
                         {{"department", department}});
        metrics_.add("livechat_matches_total", 1, {{"department", department}});
        assignment_rates_[department].on_assignment(now);
      }
      if (static_cast<int>(matched.size()) == match_batch) continue;
      if (match_again_.erase(department) > 0) continue;
      break;
    }
  } catch (...) {
    matching_.erase(department);
    match_again_.erase(department);
    throw;
  }
  matching_.erase(department);
}

void chat_service::do_tick() {
  if (stopped_) return;
  tick_timer_.expires_after(options_.tick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    spawn(tick(), "tick");
    do_tick();
  });
}

chat_service::task chat_service::renew_lease() {
  const auto ttl = options_.lease_ttl.count();
  if (lease_epoch_ != 0) {
    if (co_await store_.lease(options_.node_id, ttl, lease_epoch_) != 0) co_return;
    spdlog::warn("node {}: lease lost (paused or cut off past {} ms): rejoining", options_.node_id,
                 ttl);
    fenced();
  }
  lease_epoch_ = co_await store_.lease(options_.node_id, ttl, 0);
  store_.set_fence(options_.node_id, lease_epoch_);
  spdlog::info("node {}: lease acquired, epoch {}", options_.node_id, lease_epoch_);
}

void chat_service::fenced() {
  lease_epoch_ = 0;
  for (auto* s : std::vector<session*>(sessions_.begin(), sessions_.end())) {
    s->close(1012, "node rejoining: reconnect");
  }
}

chat_service::task chat_service::tick() {
  // One at a time: a tick on (re)connect and the periodic one must not both take a lease.
  if (!redis_.ready() || draining_ || ticking_) co_return;
  ticking_ = true;
  try {
    co_await tick_once();
  } catch (...) {
    ticking_ = false;
    throw;
  }
  ticking_ = false;
}

chat_service::task chat_service::tick_once() {
  co_await renew_lease();
  for (const auto& item :
       co_await store_.sweep(100, options_.agent_grace.count(), options_.visitor_grace.count())) {
    if (item.what == "requeued") request_match(item.department);
    if (item.what == "abandoned") {
      metrics_.add("livechat_conversations_closed_total", 1, {{"department", item.department}});
      spawn(finalize(item.conversation_id), "records");
    }
  }
  for (const auto& d : co_await store_.departments()) request_match(d);
  for (const auto& conv : co_await store_.pending_records()) spawn(finalize(conv), "records");
}

chat_service::task chat_service::finalize(std::string conv) {
  std::vector<std::string> origins;
  auto events = co_await store_.events(conv, 0, 0, &origins);
  std::vector<core::clock_event> clock;
  clock.reserve(events.size());
  for (const auto& e : events) {
    clock.push_back(
        {e.kind(), e.sender_role(), e.sender_id(), e.agent_id(), e.department(), e.at_ms()});
  }
  auto times = core::measure_conversation(clock);
  if (!times.closed) co_return;
  std::vector<store::record_row> rows;
  std::string last_agent, department;
  for (std::size_t i = 0; i < times.measurements.size(); ++i) {
    const auto& m = times.measurements[i];
    rows.push_back({core::measure_name(m.what), m.at_ms,
                    conv + "|" + std::to_string(i) + "|" + m.department + "|" + m.agent_id + "|" +
                        std::to_string(m.value_ms)});
    if (!m.agent_id.empty()) last_agent = m.agent_id;
    department = m.department;
  }
  if (times.missed) {
    rows.push_back(
        {"missed", times.closed_at_ms, conv + "|0|" + department + "|" + last_agent + "|1"});
  }
  bool written = co_await store_.write_records(conv, times.missed, times.visitor_messages,
                                               times.agent_messages, rows);
  if (!written) co_return;
  for (const auto& m : times.measurements) {
    if (m.what == core::measure::queue_wait) continue;  // observed live at assignment
    metrics_.observe(std::string("livechat_") + core::measure_name(m.what) + "_seconds",
                     static_cast<double>(m.value_ms) / 1000, {{"department", m.department}});
  }
  if (times.missed)
    metrics_.add("livechat_missed_conversations_total", 1, {{"department", department}});
}

}  // namespace lc::service
