#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/store/redis_connection.hpp"

namespace lc::store {

template <class T>
using task = boost::asio::awaitable<T>;

// A store request that did not succeed: refused by a function (NOT_FOUND, CONFLICT, ...),
// or Redis unreachable / too slow (UNAVAILABLE: the client may retry with the same ids).
class store_error : public std::runtime_error {
 public:
  store_error(livechat::v1::ErrorCode code, const std::string& text)
      : std::runtime_error(text), code_(code) {}
  livechat::v1::ErrorCode code() const { return code_; }

 private:
  livechat::v1::ErrorCode code_;
};

struct join_params {
  std::string conversation_id, visitor_id, name, email, department, page_url, first_message,
      client_msg_id, node;
  std::map<std::string, std::string> metadata;
};
struct join_result {
  std::string conversation_id;
  std::uint64_t seq = 0;
  std::int64_t joined_ms = 0;
  bool existing = false;  // an idempotent retry of the same join
};
struct match_result {
  std::string conversation_id, agent_id;
  std::int64_t wait_ms = 0;
};
struct post_result {
  std::uint64_t seq = 0;
  std::int64_t at_ms = 0;
  bool duplicate = false;
};
struct close_result {
  std::uint64_t seq = 0;
  std::string department, agent_id;
  bool was_queued = false;
};
struct transfer_result {
  bool to_agent = false;
  std::string target;  // agent id or department
};
struct agent_connect_result {
  std::string status;
  std::vector<std::string> conversations;
};
struct sweep_item {
  std::string what;  // "requeued" | "abandoned"
  std::string department, conversation_id;
};
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
struct agent_summary {
  std::string id, name, status, departments;
  std::uint32_t active = 0, capacity = 0;
  bool connected = false;
};
struct overview_result {
  std::int64_t now_ms = 0;
  std::vector<department_overview> departments;
};
// A conversation's hash and metadata as stored.
struct conversation_record {
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> metadata;
  std::string get(const std::string& k) const;
  std::int64_t get_int(const std::string& k) const;
};
// One response-time record: measure name, time, and "conv|i|dept|agent|value" member.
struct record_row {
  std::string measure;
  std::int64_t at_ms = 0;
  std::string member;
};

// The typed API over the Functions library and the keys (ARCHITECTURE.md lists them). One
// FCALL per state change; reads are plain commands. Coroutines take their arguments by value:
// a caller may spawn one and let its own temporaries go before it runs.
class chat_store {
 public:
  explicit chat_store(redis_connection& conn) : conn_(conn) {}

  // The node and lease epoch that fenced functions run for; set after each lease acquisition.
  void set_fence(std::string node, std::int64_t epoch) {
    fence_node_ = std::move(node);
    fence_epoch_ = std::to_string(epoch);
  }

  // Any command; throws store_error on connection failure or an error reply.
  task<reply> exec(std::vector<std::string> args);

  task<join_result> join(join_params p);
  task<std::vector<match_result>> match(std::string department, int max);
  task<post_result> post(std::string conv, livechat::v1::Role role, std::string sender,
                         std::string name, std::string cmid, std::string text, std::string node,
                         std::string origin, std::string assignment_epoch = "");
  // kind: "typing" (value "0"/"1"), "delivered" or "read" (value = seq). Returns the delivery
  // latency in ms (Redis clock) for a delivered receipt that advanced, else 0.
  task<std::int64_t> signal(std::string conv, livechat::v1::Role role, std::string sender,
                            std::string kind, std::string value, std::string name);
  task<close_result> close(std::string conv, livechat::v1::Role role, std::string by);
  task<void> rate(std::string conv, std::string visitor, std::uint32_t rating, std::string comment);
  task<transfer_result> transfer(std::string conv, std::string from, std::string to_agent,
                                 std::string to_department, std::string note);
  task<agent_connect_result> agent_connect(std::string agent, std::string name,
                                           std::uint32_t capacity,
                                           std::vector<std::string> departments, std::string node);
  task<std::vector<std::string>> presence(std::string agent, std::string status,
                                          std::uint32_t capacity);
  task<std::vector<std::string>> agent_disconnect(std::string agent, std::string node,
                                                  std::int64_t grace_ms);
  task<void> visitor_presence(std::string conv, std::string visitor, std::string node,
                              bool connected, std::int64_t grace_ms);
  task<std::vector<sweep_item>> sweep(int max, std::int64_t agent_grace_ms,
                                      std::int64_t visitor_grace_ms);
  task<bool> write_records(std::string conv, bool missed, std::uint32_t visitor_messages,
                           std::uint32_t agent_messages, std::vector<record_row> rows);
  task<queue_info> queue_status(std::string department, std::vector<std::string> conversations);
  task<overview_result> overview();
  task<std::vector<agent_summary>> agents();
  task<std::int64_t> offline_leave(std::string id, std::string visitor, std::string name,
                                   std::string email, std::string department, std::string text);
  // Newest first, from the given departments (all when empty).
  task<std::vector<livechat::v1::OfflineMessage>> offline_list(std::vector<std::string> departments,
                                                               std::uint32_t limit);

  // Stream entries with seq > after_seq, in order; at most `limit` (0: all). When `origins` is
  // given it receives each entry's sending connection ("" for system events).
  task<std::vector<livechat::v1::ChatEvent>> events(std::string conv, std::uint64_t after_seq,
                                                    std::uint32_t limit = 0,
                                                    std::vector<std::string>* origins = nullptr);
  task<std::optional<conversation_record>> conversation(std::string conv);
  // The visitor's conversations, newest first.
  task<std::vector<std::string>> visitor_conversations(std::string visitor, std::uint32_t limit);
  task<std::vector<std::string>> departments();
  // The visitor's open conversation id, "" when none.
  task<std::string> visitor_open_conversation(std::string visitor);
  // Records of one measure ("conv|i|dept|agent|value") with their at_ms in [from_ms, to_ms].
  task<std::vector<std::pair<std::string, std::int64_t>>> records(std::string measure,
                                                                  std::int64_t from_ms,
                                                                  std::int64_t to_ms);
  task<std::vector<std::string>> pending_records();
  // Acquires (epoch 0) or renews the node's lease; returns its epoch, or 0 when it was lost.
  task<std::int64_t> lease(std::string node, std::int64_t ttl_ms, std::int64_t epoch);
  task<void> release(std::string node, std::int64_t epoch);

 private:
  task<reply> fcall(const char* function, std::vector<std::string> args);
  // For functions that act for this node: the lease check runs inside the same atomic call.
  task<reply> fenced_fcall(const char* function, std::vector<std::string> args);
  redis_connection& conn_;
  std::string fence_node_;
  std::string fence_epoch_ = "0";
};

// "NOT_FOUND text" (a function's refusal) as the protocol's error code.
livechat::v1::ErrorCode error_code_from_reply(const std::string& error_text);

}  // namespace lc::store
