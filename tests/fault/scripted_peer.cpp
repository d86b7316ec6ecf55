#include "tests/fault/scripted_peer.hpp"

namespace lc::test {

namespace pb = livechat::v1;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

scripted_peer::scripted_peer(options o) : options_(std::move(o)) {}

scripted_peer::~scripted_peer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void scripted_peer::start() {
  thread_ = std::thread([this] { run(); });
}

void scripted_peer::join() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string scripted_peer::conversation() const {
  std::lock_guard lock(mutex_);
  return conversation_;
}

void scripted_peer::run() {
  const bool agent = !options_.agent_token.empty();
  while (!stop_) {
    if (!ws_) {
      if (!connect()) {
        std::this_thread::sleep_for(200ms);
        continue;
      }
    }
    try {
      if (auto env = ws_->receive(20ms)) handle(*env);
      if (ws_ && !ws_->is_open()) ws_.reset();
      if (!ws_) continue;
      const auto now = steady::now();
      bool stale = false;
      for (const auto& [cmid, m] : unacked_) stale |= m.sent_at + options_.ack_timeout < now;
      if (stale) {  // a silent node: go elsewhere through the load balancer
        ws_->drop();
        ws_.reset();
        continue;
      }
      maybe_send_chat();
      if (finishing_ && unacked_.empty()) {
        if (agent) break;
        if (joined_ && !close_sent_) {
          pb::ClientEnvelope req;
          req.mutable_close()->set_conversation_id(conversation_);
          pending_[next_request_] = "#close";
          close_sent_ = true;
          send_request(std::move(req));
        }
      }
    } catch (const std::exception&) {
      ws_.reset();
    }
  }
  if (ws_) ws_->drop();
}

void scripted_peer::send_request(pb::ClientEnvelope req) {
  req.set_request_id(next_request_++);
  ws_->send(req);
}

bool scripted_peer::connect() {
  try {
    ws_ = std::make_unique<ws_client>(options_.host, options_.port);
  } catch (const std::exception&) {
    ws_.reset();
    return false;
  }
  const bool agent = !options_.agent_token.empty();
  pb::ClientEnvelope hello;
  if (agent) {
    hello.mutable_hello()->set_agent_token(options_.agent_token);
  } else {
    hello.mutable_hello()->set_visitor_token(visitor_token_);
  }
  for (const auto& [conv, seq] : last_seq_) {
    auto* p = hello.mutable_hello()->add_resume();
    p->set_conversation_id(conv);
    p->set_last_seq(seq);
  }
  const auto hello_id = next_request_;
  pending_[hello_id] = "#hello";
  try {
    send_request(hello);
    auto deadline = steady::now() + 5s;
    bool welcomed = false;
    while (!welcomed && steady::now() < deadline) {
      auto env = ws_->receive(100ms);
      if (!ws_->is_open()) break;
      if (!env) continue;
      if (env->has_error() && env->request_id() == hello_id) break;  // not ready: elsewhere
      if (env->has_welcome()) {
        welcomed = true;
        pending_.erase(hello_id);
        if (!agent) {
          visitor_token_ = env->welcome().visitor_token();
          if (!env->welcome().open_conversation_id().empty()) {
            std::lock_guard lock(mutex_);
            conversation_ = env->welcome().open_conversation_id();
            joined_ = true;
          }
        }
        continue;
      }
      handle(*env);
      if (!ws_) return false;
    }
    if (!welcomed) {
      ws_->drop();
      ws_.reset();
      return false;
    }
    if (agent) {
      pb::ClientEnvelope presence;
      presence.mutable_presence()->set_status(pb::PRESENCE_STATUS_ONLINE);
      pending_[next_request_] = "#presence";
      send_request(std::move(presence));
    } else if (!joined_ && !closed_) {
      pb::ClientEnvelope join;
      auto* j = join.mutable_join();
      j->set_display_name(options_.name);
      j->set_department(options_.department);
      j->set_first_message("hello from " + options_.name);
      j->set_client_msg_id("join-" + options_.name);
      pending_[next_request_] = "#join";
      join_sent_ = true;
      send_request(std::move(join));
    }
    resend_unacked();
    if (last_progress_ != steady::time_point{}) {
      std::lock_guard lock(mutex_);
      ++record_.reconnects;
    }
    last_progress_ = steady::now();
    return true;
  } catch (const std::exception&) {
    ws_.reset();
    return false;
  }
}

void scripted_peer::resend_unacked() {
  for (auto& [cmid, m] : unacked_) {
    pb::ClientEnvelope req;
    req.mutable_send()->set_conversation_id(m.conversation);
    req.mutable_send()->set_client_msg_id(cmid);
    req.mutable_send()->set_text(m.text);
    m.request_id = next_request_;
    m.sent_at = steady::now();
    pending_[next_request_] = cmid;
    send_request(std::move(req));
  }
}

void scripted_peer::maybe_send_chat() {
  if (!sending_ || finishing_ || steady::now() < next_send_) return;
  next_send_ = steady::now() + options_.send_every;
  std::vector<std::string> targets;
  if (options_.agent_token.empty()) {
    if (joined_ && !close_sent_) targets.push_back(conversation_);
  } else {
    targets.assign(agent_convs_.begin(), agent_convs_.end());
  }
  for (const auto& conv : targets) {
    outgoing m;
    m.conversation = conv;
    m.cmid = options_.name + "-" + std::to_string(++counter_);
    m.text = "message " + m.cmid;
    m.request_id = next_request_;
    m.sent_at = steady::now();
    pending_[next_request_] = m.cmid;
    pb::ClientEnvelope req;
    req.mutable_send()->set_conversation_id(conv);
    req.mutable_send()->set_client_msg_id(m.cmid);
    req.mutable_send()->set_text(m.text);
    unacked_[m.cmid] = m;
    ++unacked_count_;
    send_request(std::move(req));
  }
}

void scripted_peer::handle(const pb::ServerEnvelope& env) {
  auto note_seq = [this](const std::string& conv, std::uint64_t seq) {
    auto& last = last_seq_[conv];
    // Only contiguous progress is a safe resume point.
    if (seq == last + 1) last = seq;
  };
  if (env.has_ack() || env.has_error()) {
    auto it = pending_.find(env.request_id());
    if (it == pending_.end()) return;
    const auto what = it->second;
    pending_.erase(it);
    if (env.has_error()) {
      const auto code = env.error().code();
      if (code == pb::ERROR_CODE_UNAVAILABLE) {  // node rejoining or Redis away: retry later
        ws_->drop();
        ws_.reset();
        return;
      }
      auto u = unacked_.find(what);
      if (u != unacked_.end()) {
        // An agent may lose a chat to a requeue between sending and the store's check.
        if (options_.agent_token.empty() || code != pb::ERROR_CODE_NOT_FOUND) {
          std::lock_guard lock(mutex_);
          record_.problems.push_back(options_.name + " " + what + ": " + env.error().text());
        }
        unacked_.erase(u);
        --unacked_count_;
      } else if (what == "#join" && code == pb::ERROR_CODE_CONFLICT) {
        // Joined already (the ack was lost); the next hello reports the open conversation.
      } else {
        std::lock_guard lock(mutex_);
        record_.problems.push_back(options_.name + " " + what + ": " + env.error().text());
      }
      return;
    }
    const auto& ack = env.ack();
    if (what == "#join") {
      std::lock_guard lock(mutex_);
      conversation_ = ack.conversation_id();
      joined_ = true;
      record_.conversations.push_back(conversation_);
      last_seq_[conversation_] = std::max(last_seq_[conversation_], ack.seq());
    } else if (what == "#close") {
      closed_ = true;
      stop_ = true;
    } else if (auto u = unacked_.find(what); u != unacked_.end()) {
      std::lock_guard lock(mutex_);
      record_.acked[u->second.conversation][what] = {ack.seq(), u->second.text};
      record_.seen[u->second.conversation][ack.seq()] = u->second.text;
      unacked_.erase(u);
      --unacked_count_;
    }
    return;
  }
  if (env.has_event()) {
    const auto& e = env.event();
    {
      std::lock_guard lock(mutex_);
      record_.live_seqs[e.conversation_id()].push_back(e.seq());
      record_.seen[e.conversation_id()][e.seq()] = e.text();
    }
    note_seq(e.conversation_id(), e.seq());
    // Own acknowledged messages fill the gaps they left in the contiguous run.
    auto& last = last_seq_[e.conversation_id()];
    const auto& seen = record_.seen[e.conversation_id()];
    while (seen.contains(last + 1)) ++last;
    if (e.kind() == pb::EVENT_KIND_CLOSED) agent_convs_.erase(e.conversation_id());
    return;
  }
  if (env.has_assigned() && !options_.agent_token.empty()) {
    const auto& a = env.assigned();
    agent_convs_.insert(a.conversation_id());
    std::lock_guard lock(mutex_);
    record_.conversations.push_back(a.conversation_id());
    for (const auto& e : a.history()) record_.seen[a.conversation_id()][e.seq()] = e.text();
    auto& last = last_seq_[a.conversation_id()];
    const auto& seen = record_.seen[a.conversation_id()];
    while (seen.contains(last + 1)) ++last;
    return;
  }
  if (env.has_unassigned()) {
    agent_convs_.erase(env.unassigned().conversation_id());
    last_seq_.erase(env.unassigned().conversation_id());
    return;
  }
  if (env.has_reconnect() && ws_) {
    ws_->drop();
    ws_.reset();
  }
}

}  // namespace lc::test
