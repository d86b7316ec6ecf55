#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"

namespace lc::core {

// One entry of a conversation's stream, as far as response times care.
struct clock_event {
  livechat::v1::EventKind kind = livechat::v1::EVENT_KIND_UNSPECIFIED;
  livechat::v1::Role sender_role = livechat::v1::ROLE_UNSPECIFIED;
  std::string sender_id;   // MESSAGE: who wrote it
  std::string agent_id;    // ASSIGNED / TRANSFERRED: the new agent (empty: to a department)
  std::string department;  // JOINED / REQUEUED / TRANSFERRED to a department
  std::int64_t at_ms = 0;  // Redis clock
};

enum class measure { queue_wait, first_response, response, resolution };

const char* measure_name(measure m);  // "queue_wait", "first_response", "response", "resolution"

// One recorded duration, credited to an agent (may be empty) and a department.
struct measurement {
  measure what = measure::queue_wait;
  std::int64_t value_ms = 0;
  std::int64_t at_ms = 0;  // when it was measured (end of the interval)
  std::string agent_id;
  std::string department;
};

// Everything the clock knows about one conversation.
struct conversation_times {
  std::vector<measurement> measurements;  // in the order they were measured
  bool closed = false;
  bool missed = false;       // closed before any agent message
  bool idle_closed = false;  // closed by the idle check (the visitor stopped replying)
  std::uint32_t visitor_messages = 0;
  std::uint32_t agent_messages = 0;
  std::int64_t joined_at_ms = 0;
  std::int64_t closed_at_ms = 0;
};

// The response-time clock, fed a conversation's events in seq order. Definitions (README):
// - queue wait: JOINED or REQUEUED (or TRANSFERRED to a department) -> next ASSIGNED; one per
//   assignment, a requeue starts a new wait; credited to the assigned agent.
// - first response: the current assignment (ASSIGNED, or TRANSFERRED to an agent) -> the first
//   agent MESSAGE of the conversation; measured once per conversation and credited to the agent
//   who wrote it. Only ROLE_AGENT messages count (system and bots do not).
// - response: the first visitor MESSAGE not yet answered -> the next agent MESSAGE; every one.
// - resolution: JOINED -> CLOSED. Missed: CLOSED with no agent message at all. Idle-closed:
//   CLOSED by the idle check (ROLE_SYSTEM, sender "idle") after an agent message.
class response_clock {
 public:
  // Feeds one event; returns what it completed (zero, one or two measurements).
  std::vector<measurement> on_event(const clock_event& event);

  const conversation_times& times() const { return times_; }

 private:
  conversation_times times_;
  std::string department_;
  std::string agent_id_;
  std::optional<std::int64_t> queue_since_;
  std::optional<std::int64_t> assigned_at_;
  std::optional<std::int64_t> unanswered_since_;
  bool first_response_done_ = false;
};

// Runs a whole conversation through a fresh clock.
conversation_times measure_conversation(std::span<const clock_event> events);

}  // namespace lc::core
