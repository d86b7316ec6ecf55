#include "server/service/board_feed.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/service/envelopes.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {

constexpr std::chrono::milliseconds every{1000};
// A burst of queue changes (a join storm) becomes one read.
constexpr std::chrono::milliseconds after_change{200};
constexpr std::uint32_t max_waiting_per_department = 100;
constexpr std::uint32_t max_site_visitors = 200;

// The departments a staff member's board shows: an admin's, all of them.
std::set<std::string> scope_of(const core::agent_claims& who, const department_directory& all) {
  const auto& ids = who.admin() ? all.ids() : who.departments;
  std::set<std::string> out;
  for (const auto& d : ids) {
    if (all.has(d)) out.insert(d);
  }
  return out;
}

struct lists {
  store::waiting_result waiting;
  std::vector<store::live_conversation> live;
  std::vector<store::agent_summary> agents;
  store::site_list_result site;
};

pb::Board board_for(const session& s, const lists& l, const department_directory& all) {
  const auto scope = scope_of(s.agent(), all);
  const auto in_scope = [&](const std::string& d) { return scope.contains(d); };
  pb::Board b;
  for (const auto& w : l.waiting.waiting) {
    if (!in_scope(w.department)) continue;
    auto* v = b.add_waiting();
    v->set_conversation_id(w.conversation_id);
    v->set_department(w.department);
    v->set_position(w.position);
    v->set_visitor_name(w.visitor_name);
    v->set_first_message(w.first_message);
    v->set_waiting_since_ms(w.waiting_since_ms);
  }
  if (s.agent().supervises()) {
    for (const auto& c : l.live) {
      if (!in_scope(c.department)) continue;
      auto* v = b.add_live();
      v->set_conversation_id(c.conversation_id);
      v->set_department(c.department);
      v->set_agent_id(c.agent_id);
      v->set_agent_name(c.agent_name);
      v->set_visitor_name(c.visitor_name);
      v->set_assigned_ms(c.assigned_ms);
      v->set_last_seq(c.seq);
    }
  }
  for (const auto& a : l.agents) {
    const bool shares =
        s.agent().admin() || std::any_of(a.departments.begin(), a.departments.end(), in_scope);
    if (!shares) continue;
    auto* v = b.add_agents();
    v->set_agent_id(a.id);
    v->set_display_name(a.name);
    v->set_status(a.status);
    v->set_connected(a.connected);
    v->set_active(a.active);
    v->set_capacity(a.capacity);
    for (const auto& d : a.departments) v->add_departments(d);
  }
  // Visitors on the site have no department until they chat: every member of staff sees them.
  for (const auto& v : l.site.visitors) *b.add_site_visitors() = v;
  return b;
}

}  // namespace

board_feed::board_feed(const service_context& ctx, connections& conns)
    : ctx_(ctx), conns_(conns), timer_(ctx.io) {}

void board_feed::follow(const session& s) {
  followers_[s.id()].clear();  // a follow again is sent the board again
  schedule(std::chrono::milliseconds(0));
}

void board_feed::unfollow(const session& s) {
  followers_.erase(s.id());
}

void board_feed::changed() {
  if (!followers_.empty()) schedule(after_change);
}

void board_feed::stop() {
  stopped_ = true;
  timer_.cancel();
}

void board_feed::schedule(std::chrono::milliseconds after) {
  if (stopped_) return;
  if (flushing_) {
    if (after.count() == 0) again_ = true;
    return;  // the flush running now schedules the next
  }
  const auto at = std::chrono::steady_clock::now() + after;
  if (scheduled_ && due_ <= at) return;
  scheduled_ = true;
  due_ = at;
  timer_.expires_at(at);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: stopped, or moved earlier (that wait is the one that runs)
    scheduled_ = false;
    if (!stopped_) ctx_.spawn(flush(), "board");
  });
}

task board_feed::flush() {
  flushing_ = true;
  try {
    co_await flush_once();
  } catch (const std::exception& e) {
    // Redis away: the boards stay as last sent, and the next look is a second away.
    spdlog::debug("board not refreshed: {}", e.what());
  }
  flushing_ = false;
  if (followers_.empty()) co_return;
  schedule(again_ ? std::chrono::milliseconds(0) : every);
  again_ = false;
}

task board_feed::flush_once() {
  std::set<std::string> waiting_scope, live_scope;
  for (auto it = followers_.begin(); it != followers_.end();) {
    const auto* s = conns_.find(it->first);
    if (s == nullptr || s->closed()) {
      it = followers_.erase(it);
      continue;
    }
    const auto scope = scope_of(s->agent(), ctx_.departments);
    waiting_scope.insert(scope.begin(), scope.end());
    if (s->agent().supervises()) live_scope.insert(scope.begin(), scope.end());
    ++it;
  }
  if (followers_.empty()) co_return;
  lists l;
  if (!waiting_scope.empty()) {
    l.waiting = co_await ctx_.reads.waiting({waiting_scope.begin(), waiting_scope.end()},
                                            max_waiting_per_department);
  }
  if (!live_scope.empty())
    l.live = co_await ctx_.reads.live({live_scope.begin(), live_scope.end()});
  l.agents = co_await ctx_.reads.agents();
  l.site = co_await ctx_.reads.site_list(max_site_visitors);
  // Longest wait first, whichever department: the one to pick up by hand.
  std::stable_sort(
      l.waiting.waiting.begin(), l.waiting.waiting.end(),
      [](const auto& a, const auto& b) { return a.waiting_since_ms < b.waiting_since_ms; });
  std::sort(l.live.begin(), l.live.end(),
            [](const auto& a, const auto& b) { return a.assigned_ms < b.assigned_ms; });
  std::sort(l.agents.begin(), l.agents.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  // One board per scope, not per follower: a team's consoles share a few scopes, and a board
  // lists the whole team.
  struct cut {
    std::string bytes;  // without the clock: what "changed" compares
    frame sent;         // with it
  };
  std::map<std::string, cut> by_scope;
  const auto now_ms = l.waiting.now_ms != 0 ? l.waiting.now_ms : wall_clock_ms();
  // Followers may have come and gone while Redis answered: each is looked up afresh.
  for (auto& [id, last] : followers_) {
    auto* s = conns_.find(id);
    if (s == nullptr || s->closed()) continue;
    std::string key = s->agent().admin() ? "*" : s->agent().supervises() ? "s" : "a";
    for (const auto& d : scope_of(s->agent(), ctx_.departments)) key += "," + d;
    auto it = by_scope.find(key);
    if (it == by_scope.end()) {
      pb::ServerEnvelope env;
      *env.mutable_board() = board_for(*s, l, ctx_.departments);
      cut c;
      c.bytes = env.SerializeAsString();
      env.mutable_board()->set_server_time_ms(now_ms);
      c.sent = encode(env);
      it = by_scope.emplace(std::move(key), std::move(c)).first;
    }
    if (it->second.bytes == last) continue;
    last = it->second.bytes;
    s->send(it->second.sent);
  }
}

}  // namespace lc::service
