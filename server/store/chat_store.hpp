#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/store/records.hpp"
#include "server/store/redis_connection.hpp"
#include "server/store/store_error.hpp"

namespace lc::store {

template <class T>
using task = boost::asio::awaitable<T>;

struct join_params {
  std::string conversation_id;  // a fresh id; a retry of an open join gets the open one back
  std::string visitor_id, name, email, department, page_url, first_message, client_msg_id;
  std::map<std::string, std::string> metadata;
  // The client's address: at most max_queued of its chats may wait at once (0: no bound).
  std::string address;
  std::uint32_t max_queued = 0;
  std::string form;           // the pre-chat answers, core::encode_answers
  std::string invitation_id;  // the pending invitation accepted ("": none)
};
struct join_result {
  std::string conversation_id;
  std::uint64_t seq = 0;  // the first message's (JOINED's when there is none)
  std::int64_t joined_ms = 0;
  bool existing = false;   // an idempotent retry of the same join
  std::string invited_by;  // the agent whose invitation it accepted ("": none)
};
struct match_result {
  std::string conversation_id, agent_id;
  std::int64_t wait_ms = 0;
};
struct post_params {
  std::string conversation_id;
  livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
  std::string sender_id, sender_name, client_msg_id, text;
  // Agents: the assignment they were given; a write for one that changed is refused. 0: none.
  std::uint64_t assignment_epoch = 0;
  // Visitors: messages allowed before an agent has answered (0: no bound).
  std::uint32_t max_before_answer = 0;
  // A file the message carries: a serialized livechat.v1.Attachment ("" for none).
  std::string attachment;
};
// A visitor's PageView, with what the server made of their User-Agent.
struct page_view_params {
  std::string visitor, url, title, referrer, browser, os, device, language, time_zone;
  std::int32_t utc_offset_minutes = 0;
};
struct page_view_result {
  std::int64_t at_ms = 0;
  std::uint64_t navigated_seq = 0;  // the NAVIGATED event in their open chat; 0: none
  std::uint32_t chats = 0;          // the conversations Redis lists for them
  std::optional<livechat::v1::Invitation> invitation;  // pending, shown on every page
};
// An invitation to a visitor on the site: by an agent's hand, or (agent "") by a rule.
struct invite_params {
  std::string visitor, invitation_id, agent, department, text;
  std::chrono::milliseconds ttl{0};
  std::string rule;  // a rule's name for the visit ("": an agent's hand)
};
struct invite_result {
  std::optional<livechat::v1::Invitation> invitation;  // none: the rule made none
  std::string site_node;  // the node the visitor is connected to ("" unknown)
};
struct post_result {
  std::uint64_t seq = 0;
  std::int64_t at_ms = 0;
  bool duplicate = false;
};
// An internal note, or a conversation's tags, by its agent or a supervisor: `scope` is "" for
// the conversation's own agent, "*" for an admin, else the departments the caller supervises.
struct note_params {
  std::string conversation_id, sender_id, sender_name, client_msg_id, text, scope;
};
struct tag_params {
  std::string conversation_id, sender_id, sender_name, scope;
  std::vector<std::string> tags;
};
struct receipt_params {
  std::string conversation_id;
  livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
  std::string sender_id;
  livechat::v1::ReceiptKind kind = livechat::v1::RECEIPT_KIND_DELIVERED;
  std::uint64_t seq = 0;
};
struct typing_params {
  std::string conversation_id;
  livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
  std::string sender_id, sender_name;
  bool typing = false;
  std::string draft;  // sneak peek: the visitor's unsent text, for staff only ("" none)
};
struct close_params {
  std::string conversation_id;
  livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
  std::string by;  // the visitor's or agent's id
  // Departments that want their agents to tag a chat before closing it.
  std::vector<std::string> tag_required_in{};
};
struct close_result {
  std::uint64_t seq = 0;
  std::string department, agent_id;
  bool was_queued = false;
};
struct rate_params {
  std::string conversation_id, visitor_id;
  std::uint32_t rating = 0;
  std::string comment;
  std::uint32_t scale = 5;  // the department's survey scale: rating is 1..scale
  std::string answers;      // the survey's other answers, core::encode_answers
};
struct transfer_params {
  std::string conversation_id, from_agent;
  std::string to_agent, to_department, note;  // one of to_agent, to_department
  // "" : from_agent moves their own chat; else (as note_params) a supervisor moves any assigned
  // or waiting chat of their scope: to themselves (take over), to an agent, or to a department.
  std::string scope{};
  std::chrono::milliseconds reassign_after{0};  // for the agent it goes to (0: never)
};
// A supervisor begins to monitor a conversation (a staff-only MONITORED event), or barges in
// (joins as a participant the visitor sees). scope as in note_params.
struct supervise_params {
  enum class action { monitor, barge_in };
  action what = action::monitor;
  std::string conversation_id, supervisor_id, supervisor_name, scope;
  livechat::v1::Role role = livechat::v1::ROLE_SUPERVISOR;
};
// Idle chats of one department: the visitor is asked after `prompt_after` of silence following a
// staff message, and the chat closes `close_after` (0: never) after that.
struct idle_policy {
  std::string department;
  std::chrono::milliseconds prompt_after{0}, close_after{0};
};
struct idle_params {
  int max = 2000;    // conversations examined
  std::string text;  // the prompt
  std::vector<idle_policy> policies;
};
struct idle_item {
  bool closed = false;  // else prompted
  std::string department, conversation_id;
};
struct transfer_result {
  bool to_agent = false;
  std::string target;  // agent id or department
};
struct agent_connect_params {
  std::string agent_id, name;
  std::uint32_t capacity = 0;
  std::vector<std::string> departments;
};
struct agent_connect_result {
  livechat::v1::PresenceStatus status = livechat::v1::PRESENCE_STATUS_OFFLINE;
  std::vector<std::string> conversations;  // open ones assigned to the agent
};
struct presence_params {
  std::string agent_id;
  livechat::v1::PresenceStatus status = livechat::v1::PRESENCE_STATUS_OFFLINE;
  std::uint32_t capacity = 0;  // 0 keeps the current one
};
struct visitor_presence_params {
  std::string conversation_id, visitor_id;
  bool connected = false;
  std::chrono::milliseconds grace{0};  // when not connected: how long until the chat closes
};
struct sweep_params {
  int max = 100;
  std::chrono::milliseconds agent_grace{30000}, visitor_grace{120000};
  bool reassign_sets_away = true;  // the deadlines come from match() and transfer()
};
// What the sweep did to one conversation.
struct sweep_item {
  // requeued: its agent was gone past grace; reassigned: its agent did not answer in time.
  enum class outcome { requeued, abandoned, reassigned };
  outcome what = outcome::requeued;
  std::string department, conversation_id;
};
struct offline_params {
  std::string id, visitor_id, name, email, department, text;
};

// The write side of the store port: one FCALL of the Functions library per state change, each
// atomic across nodes. Functions that act for this node run only while it holds its lease (the
// fence set after each lease acquisition); a fenced-off node's writes fail with UNAVAILABLE.
// Coroutines take their arguments by value (see chat_reads).
class chat_store {
 public:
  explicit chat_store(redis_connection& conn) : conn_(conn) {}

  void set_fence(std::string node, std::int64_t epoch) {
    fence_node_ = std::move(node);
    fence_epoch_ = std::to_string(epoch);
  }

  task<join_result> join(join_params p);
  // reassign_after: how long each agent matched has to answer (0: never reassigned).
  task<std::vector<match_result>> match(std::string department, int max,
                                        std::chrono::milliseconds reassign_after = {});
  task<post_result> post(post_params p);
  // Staff only: stored in the stream, never delivered to the visitor.
  task<post_result> note(note_params p);
  // The TAGGED event's seq and time.
  task<post_result> tag(tag_params p);
  // The delivery latency (ms, Redis clock; may be 0) when a DELIVERED receipt moved the mark.
  task<std::optional<std::int64_t>> receipt(receipt_params p);
  task<void> typing(typing_params p);
  task<close_result> close(close_params p);
  task<void> rate(rate_params p);
  task<transfer_result> transfer(transfer_params p);
  // The event's seq and time; already: they had barged in before (seq 0).
  task<post_result> supervise(supervise_params p);
  // The idle chats of this node's agents: prompted or closed.
  task<std::vector<idle_item>> idle(idle_params p);
  task<agent_connect_result> agent_connect(agent_connect_params p);
  // Returns the conversations requeued (going offline hands them back).
  task<std::vector<std::string>> presence(presence_params p);
  // Starts the agent's grace unless their current connection is on another node; returns the
  // conversations whose visitors were told.
  task<std::vector<std::string>> agent_disconnect(std::string agent,
                                                  std::chrono::milliseconds grace);
  task<void> visitor_presence(visitor_presence_params p);
  task<std::vector<sweep_item>> sweep(sweep_params p);
  // The conversation is in the system of record (with `rating`, 0 when none): Redis keeps it
  // `keep` more, then lets it go. False when it must be archived again (rated meanwhile).
  task<bool> archived(std::string conv, std::chrono::milliseconds keep, std::uint32_t rating);
  // One step of the walk that puts closed conversations kept from before the system of record
  // into the archive backlog (`count` keys scanned): how many it added, or -1 once it is done.
  task<std::int64_t> backfill(std::uint32_t count);
  // Deletes what Redis holds about the visitor; returns their conversations erased. Refused
  // (CONFLICT) while they have a chat open.
  task<std::vector<std::string>> erase_visitor(std::string visitor);
  task<std::int64_t> offline_leave(offline_params p);
  // Marks the offline message answered by `agent` (by email); its time, or 0 when there is no
  // such message.
  task<std::int64_t> offline_replied(std::string id, std::string agent);
  // Acquires (epoch 0) or renews the node's lease; returns its epoch, or 0 when it was lost.
  // Refuses every token of the agent minted before now and tells every node to close the
  // agent's connections; returns the not-before time (unix ms).
  task<std::int64_t> revoke_agent(std::string agent);
  // The live visitor list: where a visitor is now (and NAVIGATED in their open chat); this
  // node still holds connections of these visitors; the last one of this visitor closed.
  task<page_view_result> page_view(page_view_params p);
  task<void> site_alive(std::vector<std::string> visitors);
  task<void> site_left(std::string visitor);
  // Invites a visitor on the site (NOT_FOUND: not on it; CONFLICT: chatting or invited); a
  // rule's invitation that is not to be made returns none. Declining: false when `id` is not
  // their pending invitation.
  task<invite_result> invite(invite_params p);
  task<bool> decline_invitation(std::string visitor, std::string id);
  task<std::int64_t> lease(std::string node, std::chrono::milliseconds ttl, std::int64_t epoch);
  task<void> release(std::string node, std::int64_t epoch);

 private:
  // For functions that act for this node: the lease check runs inside the same atomic call.
  task<reply> fenced_fcall(const char* function, std::vector<std::string> args);

  redis_connection& conn_;
  std::string fence_node_;
  std::string fence_epoch_ = "0";
};

}  // namespace lc::store
