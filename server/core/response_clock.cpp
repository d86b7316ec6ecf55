#include "server/core/response_clock.hpp"

#include <algorithm>

namespace lc::core {

namespace {

namespace pb = livechat::v1;

}  // namespace

const char* measure_name(measure m) {
  switch (m) {
    case measure::queue_wait:
      return "queue_wait";
    case measure::first_response:
      return "first_response";
    case measure::response:
      return "response";
    case measure::resolution:
      return "resolution";
  }
  return "unknown";
}

std::vector<measurement> response_clock::on_event(const clock_event& event) {
  std::vector<measurement> out;
  if (times_.closed) return out;
  const std::int64_t at = event.at_ms;
  // Nodes stamp events with the Redis clock, but a failover can still step it back: a negative
  // duration would poison averages, zero is the honest floor.
  auto emit = [&](measure what, std::int64_t since, const std::string& agent) {
    measurement m{what, std::max<std::int64_t>(0, at - since), at, agent, department_};
    times_.measurements.push_back(m);
    out.push_back(std::move(m));
  };
  auto start_queue_wait = [&] {
    if (!event.department.empty()) department_ = event.department;
    queue_since_ = at;
    agent_id_.clear();
    assigned_at_.reset();
  };

  switch (event.kind) {
    case pb::EVENT_KIND_JOINED:
      times_.joined_at_ms = at;
      department_ = event.department;
      queue_since_ = at;
      break;
    case pb::EVENT_KIND_REQUEUED:
      start_queue_wait();
      break;
    case pb::EVENT_KIND_TRANSFERRED:
      if (event.agent_id.empty()) {
        start_queue_wait();
      } else {
        // The new agent's first-response clock starts at the transfer, not the old assignment.
        agent_id_ = event.agent_id;
        assigned_at_ = at;
        if (!event.department.empty()) department_ = event.department;
      }
      break;
    case pb::EVENT_KIND_ASSIGNED:
      agent_id_ = event.agent_id;
      if (queue_since_) {
        emit(measure::queue_wait, *queue_since_, agent_id_);
        queue_since_.reset();
      }
      assigned_at_ = at;
      break;
    case pb::EVENT_KIND_MESSAGE:
      if (event.sender_role == pb::ROLE_VISITOR) {
        ++times_.visitor_messages;
        if (!unanswered_since_) unanswered_since_ = at;
      } else if (event.sender_role == pb::ROLE_AGENT) {
        ++times_.agent_messages;
        if (!first_response_done_ && assigned_at_) {
          emit(measure::first_response, *assigned_at_, event.sender_id);
          first_response_done_ = true;
        }
        if (unanswered_since_) {
          emit(measure::response, *unanswered_since_, event.sender_id);
          unanswered_since_.reset();
        }
      }
      break;
    case pb::EVENT_KIND_CLOSED:
      emit(measure::resolution, times_.joined_at_ms, agent_id_);
      times_.closed = true;
      times_.closed_at_ms = at;
      times_.missed = times_.agent_messages == 0;
      // Closed by the idle check: the visitor went quiet after an answer, not missed.
      times_.idle_closed =
          event.sender_role == pb::ROLE_SYSTEM && event.sender_id == "idle" && !times_.missed;
      break;
    default:
      break;
  }
  return out;
}

conversation_times measure_conversation(std::span<const clock_event> events) {
  response_clock clock;
  for (const auto& e : events) clock.on_event(e);
  return clock.times();
}

}  // namespace lc::core
