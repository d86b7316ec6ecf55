#include "server/service/delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/service/queue_status.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {

constexpr std::uint32_t max_page = 500;
// Frames kept free in a send queue for replies and live pushes while pages fill it.
constexpr std::size_t reserve_frames = 8;
// A page smaller than this waits for the queue to drain instead.
constexpr std::size_t min_page = 8;

frame event_frame(const pb::ChatEvent& e) {
  pb::ServerEnvelope env;
  *env.mutable_event() = e;
  return encode(env);
}

}  // namespace

delivery::delivery(const service_context& ctx, connections& conns, queue_status& queue,
                   matcher& assign_reads)
    : ctx_(ctx), conns_(conns), queue_(queue), assign_reads_(assign_reads) {}

void delivery::on_wakeup(const store::wakeup& w) {
  std::visit(
      [this](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, store::event_wakeup>) {
          on_event(v.event);
        } else if constexpr (std::is_same_v<T, store::assigned_wakeup>) {
          on_assigned(v);
        } else if constexpr (std::is_same_v<T, store::unassigned_wakeup>) {
          on_unassigned(v);
        } else if constexpr (std::is_same_v<T, store::typing_wakeup>) {
          on_typing(v);
        } else if constexpr (std::is_same_v<T, store::receipt_wakeup>) {
          on_receipt(v);
        } else if constexpr (std::is_same_v<T, store::agent_connection_wakeup>) {
          on_agent_connection(v);
        }
      },
      w);
}

follow* delivery::follow_conversation(session& s, const std::string& conv, std::uint64_t next_seq,
                                      core::conversation_state state) {
  auto* f = s.follow_conversation(conv, core::delivery_cursor(next_seq), conns_.followers());
  if (f == nullptr) return nullptr;
  if (f->state == pb::CONVERSATION_STATE_UNSPECIFIED) f->state = state;
  pump(s, conv);
  return s.find_follow(conv);
}

void delivery::on_event(const pb::ChatEvent& e) {
  const auto& conv = e.conversation_id();
  frame shared;
  conns_.for_followers(conv, [&](session& s, follow& f) { offer(s, conv, f, e, &shared); });
}

void delivery::offer(session& s, const std::string& conv, follow& f, const pb::ChatEvent& e,
                     frame* shared) {
  switch (f.cursor.offer(e)) {
    case core::delivery_cursor::verdict::push:
      if (push(s, conv, f, e, shared) && f.cursor.ready()) drain(s, conv);
      return;
    case core::delivery_cursor::verdict::held:
      pump(s, conv);  // a gap to read, or nothing to do until a write comes back
      return;
    case core::delivery_cursor::verdict::duplicate:
      return;
  }
}

bool delivery::push(session& s, const std::string& conv, follow& f, const pb::ChatEvent& e,
                    frame* shared) {
  // Every path to a visitor (live, catch-up, resume) passes here: a staff-only event (a note,
  // the tags) is consumed by the cursor and never sent.
  if (s.role() == pb::ROLE_VISITOR && core::staff_only(e.kind())) return true;
  f.state = core::state_after(f.state, e);
  if (shared != nullptr) {
    if (!*shared) *shared = event_frame(e);
    s.send(*shared);
  } else {
    s.send(event_frame(e));
  }
  if (s.role() != pb::ROLE_VISITOR) {
    if (e.kind() != pb::EVENT_KIND_CLOSED) return true;
    s.unfollow(conv);
    return false;
  }
  switch (e.kind()) {
    case pb::EVENT_KIND_ASSIGNED:
    case pb::EVENT_KIND_TRANSFERRED:
      if (!e.agent_id().empty()) {
        if (f.state == pb::CONVERSATION_STATE_ASSIGNED) {
          // Visitors learn of their agent from the event itself, in seq order.
          pb::ServerEnvelope env;
          auto* a = env.mutable_assigned();
          a->set_conversation_id(conv);
          a->set_agent_id(e.agent_id());
          a->set_agent_name(e.sender_name());
          a->set_department(f.department);
          s.send(env);
        }
        queue_.unwatch(conv);
        break;
      }
      [[fallthrough]];  // to a department: queued again
    case pb::EVENT_KIND_REQUEUED:
      if (!e.department().empty() && f.state == pb::CONVERSATION_STATE_QUEUED) {
        f.department = e.department();
        f.shown_position = 0;
        f.shown_wait_s = 0;
        queue_.watch(conv, f.department);
        queue_.mark_dirty(f.department);
      }
      break;
    case pb::EVENT_KIND_CLOSED:
      if (s.open_conversation() == conv) s.set_open_conversation("");
      queue_.unwatch(conv);
      s.unfollow(conv);
      return false;
    default:
      break;
  }
  return true;
}

void delivery::drain(session& s, const std::string& conv) {
  for (auto* f = s.find_follow(conv); f != nullptr && f->cursor.ready(); f = s.find_follow(conv)) {
    if (s.send_room() <= reserve_frames) {
      s.notify_writable();
      return;
    }
    auto e = f->cursor.pop();
    if (!e) return;
    if (!push(s, conv, *f, *e, nullptr)) return;
  }
}

void delivery::pump(session& s, const std::string& conv) {
  if (s.closed()) return;
  drain(s, conv);
  auto* f = s.find_follow(conv);
  if (f == nullptr) return;
  auto after = f->cursor.read_after();
  if (!after) {
    // A closed conversation followed only to deliver its last events: done once settled.
    if (f->state == pb::CONVERSATION_STATE_CLOSED && f->cursor.settled()) s.unfollow(conv);
    return;
  }
  const auto room = s.send_room();
  if (room < reserve_frames + min_page) {
    s.notify_writable();  // on_writable pumps again
    return;
  }
  const auto limit =
      static_cast<std::uint32_t>(std::min<std::size_t>(max_page, room - reserve_frames));
  f->cursor.read_started();
  ctx_.spawn(read_page(s.shared_from_this(), conv, f->token, *after, limit), "catch-up");
}

void delivery::pump_all(session& s) {
  for (const auto& conv : s.followed()) pump(s, conv);
}

void delivery::retry_failed_reads() {
  for (const auto& s : conns_.all()) pump_all(*s);
}

void delivery::resync(const std::string& conv) {
  std::vector<session_ptr> followers;
  conns_.for_followers(conv, [&](session& s, follow& f) {
    f.cursor.mark_stale();
    followers.push_back(s.shared_from_this());
  });
  // Not from inside the walk: a pump may end a follow.
  for (const auto& s : followers) pump(*s, conv);
}

void delivery::resync_all() {
  for (const auto& s : conns_.all()) {
    for (const auto& conv : s->followed()) {
      if (auto* f = s->find_follow(conv)) f->cursor.mark_stale();
      pump(*s, conv);
    }
    if (s->role() == pb::ROLE_AGENT) ctx_.spawn(sync_assignments(s), "assignment sync");
  }
}

task delivery::read_page(session_ptr s, std::string conv, std::uint64_t token,
                         std::uint64_t after_seq, std::uint32_t limit) {
  std::vector<pb::ChatEvent> events;
  bool failed = false;
  try {
    events = co_await ctx_.reads.events(conv, after_seq, limit);
  } catch (const store::store_error& e) {
    // Redis is away; when the connection is back the read runs again (retry_failed_reads).
    spdlog::debug("catch-up of {}: {}", conv, e.what());
    failed = true;
  }
  auto* f = s->find_follow(conv, token);
  if (f == nullptr) co_return;  // the session closed or stopped following meanwhile
  if (failed) {
    f->cursor.read_failed();
    co_return;
  }
  std::size_t offered = 0;
  for (; offered < events.size(); ++offered) {
    if (s->send_room() <= reserve_frames) break;  // live pushes took the room: next page later
    offer(*s, conv, *f, events[offered], nullptr);
    f = s->find_follow(conv, token);
    if (f == nullptr) co_return;
  }
  f->cursor.read_finished(offered == events.size() && events.size() < limit);
  pump(*s, conv);
}

void delivery::on_typing(const store::typing_wakeup& w) {
  // A draft (sneak peek) is for staff only, whoever it came from.
  fan_out(
      w.conversation_id,
      [&](const session& s) {
        return s.role() != w.role && (w.draft.empty() || s.role() != pb::ROLE_VISITOR);
      },
      [&](pb::ServerEnvelope& env) {
        auto* t = env.mutable_typing();
        t->set_conversation_id(w.conversation_id);
        t->set_role(w.role);
        t->set_typing(w.typing);
        t->set_name(w.name);
        t->set_draft(w.draft);
      });
}

void delivery::on_receipt(const store::receipt_wakeup& w) {
  fan_out(
      w.conversation_id, [&](const session& s) { return s.role() != w.reader_role; },
      [&](pb::ServerEnvelope& env) {
        auto* r = env.mutable_receipt();
        r->set_conversation_id(w.conversation_id);
        r->set_reader_role(w.reader_role);
        r->set_kind(w.kind);
        r->set_seq(w.seq);
      });
}

void delivery::on_agent_connection(const store::agent_connection_wakeup& w) {
  fan_out(
      w.conversation_id, [](const session& s) { return s.role() == pb::ROLE_VISITOR; },
      [&](pb::ServerEnvelope& env) {
        auto* c = env.mutable_agent_connection();
        c->set_conversation_id(w.conversation_id);
        c->set_connected(w.connected);
        c->set_grace_seconds(w.grace_seconds);
      });
}

}  // namespace lc::service
