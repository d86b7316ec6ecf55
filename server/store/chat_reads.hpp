#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/store/records.hpp"
#include "server/store/redis_connection.hpp"

namespace lc::store {

template <class T>
using task = boost::asio::awaitable<T>;

// A department's queue as a waiting visitor's status needs it.
struct queue_info {
  std::uint32_t length = 0, agents_online = 0, free_slots = 0;
  std::vector<std::int64_t> ranks;  // per asked conversation; -1 when not queued
};
struct department_overview {
  std::string department;
  std::uint32_t queue_length = 0;
  std::int64_t oldest_enqueue_ms = 0;  // 0 when empty
  std::uint32_t agents_online = 0, free_agents = 0;
};
struct backlog_sample {
  std::uint64_t count = 0;
  struct item {
    std::string conversation_id;
    std::int64_t since_ms = 0;  // closed (or rated again), Redis clock
  };
  std::vector<item> oldest;  // oldest first
};
// One visitor waiting, as the consoles' waiting list shows them.
struct waiting_visitor {
  std::string conversation_id, department;
  std::uint32_t position = 0;  // 1 = next in the department
  std::string visitor_name, first_message;
  std::int64_t waiting_since_ms = 0;
};
struct waiting_result {
  std::int64_t now_ms = 0;  // the Redis clock
  std::vector<waiting_visitor> waiting;
};
// One conversation an agent holds now, as a supervisor's live list shows it.
struct live_conversation {
  std::string conversation_id, department, agent_id, agent_name, visitor_name;
  std::int64_t assigned_ms = 0;
  std::uint64_t seq = 0;  // its last event
};
struct overview_result {
  std::int64_t now_ms = 0;  // Redis clock
  std::vector<department_overview> departments;
};

struct site_list_result {
  std::int64_t now_ms = 0;
  std::vector<livechat::v1::SiteVisitor> visitors;
};
struct site_visit_result {
  livechat::v1::SiteVisitor visitor;
  std::vector<livechat::v1::PageVisit> pages;
};

// The read side of the store port: what a node, the REST API and the dashboards look up. Plain
// reads and read-only functions; nothing here changes state. Coroutines take their arguments by
// value: a caller may spawn one and let its own temporaries go before it runs. Each throws
// store_error (UNAVAILABLE) when Redis cannot answer.
class chat_reads {
 public:
  explicit chat_reads(redis_connection& conn) : conn_(conn) {}

  // Stream entries with seq > after_seq, in order; at most `limit` (0: all).
  task<std::vector<livechat::v1::ChatEvent>> events(std::string conv, std::uint64_t after_seq,
                                                    std::uint32_t limit = 0);
  task<std::optional<conversation_record>> conversation(std::string conv);
  // The visitor's conversations, newest first.
  task<std::vector<std::string>> visitor_conversations(std::string visitor, std::uint32_t limit);
  // The visitor's open conversation id, "" when none.
  task<std::string> visitor_open_conversation(std::string visitor);
  // The open conversations assigned to the agent.
  task<std::vector<std::string>> agent_conversations(std::string agent);
  // When the agent's reconnect grace ends (Redis clock ms); nothing while they are connected.
  task<std::optional<std::int64_t>> agent_grace_deadline(std::string agent);
  task<queue_info> queue_status(std::string department, std::vector<std::string> conversations);
  // When the agent's tokens were last revoked (unix ms); 0 when never: a token minted before it
  // is refused.
  task<std::int64_t> agent_not_before(std::string agent);
  // The queues and agents of the given (operator-defined) departments, in that order.
  task<overview_result> overview(std::vector<std::string> departments);
  // The conversations held now in these departments.
  task<std::vector<live_conversation>> live(std::vector<std::string> departments);
  // Who waits in these departments, in queue order, at most `limit` per department.
  task<waiting_result> waiting(std::vector<std::string> departments, std::uint32_t limit);
  task<std::vector<agent_summary>> agents();
  // Closed conversations not yet in the system of record: how many, since when, the oldest
  // `max` of them.
  task<backlog_sample> archive_backlog(std::uint32_t max);
  // Newest first, from the given departments (all when empty).
  task<std::vector<livechat::v1::OfflineMessage>> offline_list(std::vector<std::string> departments,
                                                               std::uint32_t limit);
  // One offline message (an issued 'o' id), or nothing.
  task<std::optional<livechat::v1::OfflineMessage>> offline_find(std::string id);
  // Who is on the site now, most recently active first, and the Redis clock.
  task<site_list_result> site_list(std::uint32_t limit);
  // One visitor's visit (where they are, the pages so far, newest first), or nothing when they
  // are not on the site.
  task<std::optional<site_visit_result>> site_visit(std::string visitor);
  // The visitor's pending invitation, if any (for the node their widget is connected to).
  task<std::optional<livechat::v1::Invitation>> invitation(std::string visitor);
  // The protocol numbers the Functions library writes ({name, number}, ...).
  task<std::vector<std::pair<std::string, std::int64_t>>> library_enums();

 private:
  redis_connection& conn_;
};

}  // namespace lc::store
