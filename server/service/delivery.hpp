#pragma once

#include <cstdint>
#include <string>

#include "livechat/v1/livechat.pb.h"
#include "server/service/connections.hpp"
#include "server/service/context.hpp"
#include "server/store/wakeup.hpp"

namespace lc::service {

class matcher;
class queue_status;

// Gets every conversation event to every session that follows it, exactly once and in seq
// order. Pub/Sub only wakes: each follow's cursor (core::delivery_cursor) decides what a
// wake-up means, and the stream is read to fill what it lacks, in pages sized to the room left
// in the session's send queue (the next page once that has drained). Also sends agents their
// Assigned (visitor context and the first page of history), and relays typing, receipts and
// agent-connection notices.
class delivery {
 public:
  delivery(const service_context& ctx, connections& conns, queue_status& queue,
           matcher& assign_reads);

  // Every wake-up but queue changes.
  void on_wakeup(const store::wakeup& w);
  // An event this node wrote (a message: lc_post wakes only other nodes), offered to this
  // node's followers as its wake-up would have been.
  void on_own_event(const livechat::v1::ChatEvent& e) { on_event(e); }
  // What this node wrote may not have reached its followers (the write's outcome is unknown,
  // or it was a retry): every follow of `conv` here reads the stream again.
  void resync(const std::string& conv);

  // Starts following `conv` from `next_seq` (or keeps the follow the session has) and reads
  // what the session is missing. Nothing once the session is closed.
  follow* follow_conversation(session& s, const std::string& conv, std::uint64_t next_seq,
                              core::conversation_state state);
  // Pushes what the session may have now and starts the read its cursor asks for, if any.
  void pump(session& s, const std::string& conv);
  void pump_all(session& s);
  // Pub/Sub (re)subscribed: wake-ups may have been lost, so every cursor reads its stream again
  // and every agent's assignments are checked.
  void resync_all();
  // The command connection came back: reads that failed while it was away run again (their
  // cursors are stale); nothing else is re-read.
  void retry_failed_reads();

  // Agents: sends the conversation (epoch, visitor context, the first page of history after
  // after_seq) and follows it; retried while Redis cannot answer, for as long as the session
  // lives.
  task push_assigned(session_ptr s, std::string conv, std::uint64_t after_seq);
  // Agents: push_assigned for every open conversation of theirs this session does not follow.
  task sync_assignments(session_ptr s);

 private:
  void on_event(const livechat::v1::ChatEvent& e);
  void on_assigned(const store::assigned_wakeup& w);
  void on_unassigned(const store::unassigned_wakeup& w);
  void on_typing(const store::typing_wakeup& w);
  void on_receipt(const store::receipt_wakeup& w);
  void on_agent_connection(const store::agent_connection_wakeup& w);

  // Hands one event to the follow's cursor and pushes what it lets through. `shared`: a frame
  // encoded once for every session of a live fan-out.
  void offer(session& s, const std::string& conv, follow& f, const livechat::v1::ChatEvent& e,
             frame* shared);
  // Sends one event and applies what it means for the session; false when the follow ended
  // (the conversation closed).
  bool push(session& s, const std::string& conv, follow& f, const livechat::v1::ChatEvent& e,
            frame* shared);
  // Pushes the held events that are next, while the send queue has room.
  void drain(session& s, const std::string& conv);
  // Sends one envelope (built once, only if someone gets it) to the followers `want` picks.
  template <class Want, class Build>
  void fan_out(const std::string& conv, Want want, Build build) {
    frame f;
    conns_.for_followers(conv, [&](session& s, follow&) {
      if (!want(s)) return;
      if (!f) {
        livechat::v1::ServerEnvelope env;
        build(env);
        f = encode(env);
      }
      s.send(f);
    });
  }
  task read_page(session_ptr s, std::string conv, std::uint64_t token, std::uint64_t after_seq,
                 std::uint32_t limit);
  task assign_once(const session_ptr& s, const std::string& conv, std::uint64_t after_seq,
                   bool& done);

  const service_context& ctx_;
  connections& conns_;
  queue_status& queue_;
  matcher& assign_reads_;
};

}  // namespace lc::service
