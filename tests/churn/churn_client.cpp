#include "tests/churn/churn_client.hpp"

#include <thread>

namespace lc::test {

namespace pb = livechat::v1;
using namespace std::chrono_literals;

churn_client::churn_client(options o) : options_(std::move(o)), rng_(options_.seed) {}

std::uint64_t churn_client::run(const std::atomic<bool>& stop) {
  while (!stop) {
    try {
      session(stop);
    } catch (const std::exception&) {
      // A refused connect (a node rejoining, the queue full), a frame that could not be
      // written: the next session starts over, as a client would.
    }
    ws_.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(roll(20)));
  }
  return ops_;
}

void churn_client::session(const std::atomic<bool>& stop) {
  ws_ = std::make_unique<ws_client>(options_.host, options_.port);
  hello();
  if (roll(8) == 0) {  // gone right after the Hello, before its reply
    leave();
    return;
  }
  read_for(std::chrono::milliseconds(roll(30)));
  const int steps = roll(40);
  for (int i = 0; i < steps && !stop && ws_->is_open(); ++i) {
    if (options_.agent_id.empty()) {
      visitor_step();
    } else {
      agent_step();
    }
    ++ops_;
    if (roll(4) == 0) read_for(std::chrono::milliseconds(roll(15)));
  }
  leave();
}

void churn_client::hello() {
  pb::ClientEnvelope req;
  auto* h = req.mutable_hello();
  if (options_.agent_id.empty()) {
    if (roll(6) != 0) h->set_visitor_token(visitor_token_);  // now and then a new visitor
  } else {
    h->set_agent_token(options_.agent_token);
  }
  for (const auto& [conv, seq] : last_seq_) {
    if (roll(3) == 0) continue;
    auto* p = h->add_resume();
    p->set_conversation_id(conv);
    p->set_last_seq(roll(2) == 0 ? seq
                                 : std::uniform_int_distribution<std::uint64_t>(0, seq)(rng_));
  }
  send(std::move(req));
}

void churn_client::visitor_step() {
  pb::ClientEnvelope req;
  const int what = roll(10);
  if (conversation_.empty() || what == 0) {
    auto* j = req.mutable_join();
    j->set_display_name("churn visitor");
    j->set_department(pick(options_.departments));
    j->set_first_message("hello " + std::to_string(counter_));
    // Sometimes the same join again, as a retry after a lost reply would.
    j->set_client_msg_id("join-" + std::to_string(roll(3) == 0 ? counter_ : ++counter_));
    (*j->mutable_metadata())["plan"] = "churn";
  } else if (what <= 5) {
    auto* s = req.mutable_send();
    s->set_conversation_id(conversation_);
    s->set_client_msg_id("m-" + std::to_string(roll(4) == 0 ? counter_ : ++counter_));
    s->set_text("visitor says " + std::to_string(counter_));
  } else if (what == 6) {
    auto* t = req.mutable_typing();
    t->set_conversation_id(conversation_);
    t->set_typing(roll(2) == 0);
  } else if (what == 7) {
    auto* r = req.mutable_receipt();
    r->set_conversation_id(conversation_);
    r->set_seq(std::max<std::uint64_t>(1, last_seq_[conversation_]));
    r->set_kind(roll(2) == 0 ? pb::RECEIPT_KIND_DELIVERED : pb::RECEIPT_KIND_READ);
  } else if (what == 8) {
    req.mutable_close()->set_conversation_id(conversation_);
  } else {
    auto* r = req.mutable_rate();
    r->set_conversation_id(conversation_);
    r->set_rating(static_cast<std::uint32_t>(1 + roll(5)));
  }
  send(std::move(req));
}

void churn_client::agent_step() {
  pb::ClientEnvelope req;
  const int what = roll(10);
  std::string conv = held_.empty() ? std::string() : *std::next(held_.begin(), roll(held_.size()));
  if (conv.empty() || what <= 1) {
    auto* p = req.mutable_presence();
    const int s = roll(6);
    p->set_status(s < 4    ? pb::PRESENCE_STATUS_ONLINE
                  : s == 4 ? pb::PRESENCE_STATUS_AWAY
                           : pb::PRESENCE_STATUS_OFFLINE);
  } else if (what <= 6) {
    auto* s = req.mutable_send();
    s->set_conversation_id(conv);
    s->set_client_msg_id("a-" + std::to_string(++counter_));
    s->set_text("agent says " + std::to_string(counter_));
  } else if (what == 7) {
    auto* t = req.mutable_transfer();
    t->set_conversation_id(conv);
    if (roll(2) == 0) {
      t->set_to_agent_id(pick(options_.agents));
    } else {
      t->set_to_department(pick(options_.departments));
    }
  } else if (what == 8) {
    req.mutable_close()->set_conversation_id(conv);
  } else {
    auto* t = req.mutable_typing();
    t->set_conversation_id(conv);
    t->set_typing(true);
  }
  send(std::move(req));
}

void churn_client::leave() {
  switch (roll(4)) {
    case 0:
      ws_->reset();  // mid-request, nothing read: the case that crashed the first server
      break;
    case 1:
      read_for(std::chrono::milliseconds(roll(50)));
      ws_->reset();
      break;
    case 2:
      ws_->drop();
      break;
    default:
      ws_->close();
  }
}

void churn_client::send(pb::ClientEnvelope req) {
  req.set_request_id(next_request_++);
  ws_->send(req);
}

void churn_client::read_for(std::chrono::milliseconds t) {
  const auto deadline = std::chrono::steady_clock::now() + t;
  while (ws_->is_open()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto env = ws_->receive(left);
    if (!env) break;
    note(*env);
  }
}

void churn_client::note(const pb::ServerEnvelope& env) {
  if (env.has_welcome()) {
    if (!env.welcome().visitor_token().empty()) visitor_token_ = env.welcome().visitor_token();
    conversation_ = env.welcome().open_conversation_id();
  } else if (env.has_ack() && options_.agent_id.empty() && !env.ack().conversation_id().empty() &&
             env.ack().conversation_id().front() == 'c') {
    conversation_ = env.ack().conversation_id();
  } else if (env.has_assigned() && !options_.agent_id.empty()) {
    held_.insert(env.assigned().conversation_id());
    for (const auto& e : env.assigned().history()) last_seq_[e.conversation_id()] = e.seq();
  } else if (env.has_unassigned()) {
    held_.erase(env.unassigned().conversation_id());
  } else if (env.has_event()) {
    const auto& e = env.event();
    last_seq_[e.conversation_id()] = std::max(last_seq_[e.conversation_id()], e.seq());
    if (e.kind() == pb::EVENT_KIND_CLOSED) {
      held_.erase(e.conversation_id());
      if (conversation_ == e.conversation_id()) conversation_.clear();
    }
  }
}

}  // namespace lc::test
