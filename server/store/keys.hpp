#pragma once

#include <string>
#include <string_view>

// The names of every Redis key and channel the C++ side touches, in one place; the Functions
// library has the same table at the top of livechat.lua (the two must agree, see
// tests/store/keys_test.cpp). Ids reach these only after the server validated them.
namespace lc::store::keys {

std::string conversation(std::string_view id);           // hash
std::string stream(std::string_view id);                 // stream of events, ids 0-<seq>
std::string metadata(std::string_view id);               // hash: visitor metadata from the join
std::string agent(std::string_view id);                  // hash
std::string agent_conversations(std::string_view id);    // set: the agent's open chats
std::string visitor(std::string_view id);                // hash
std::string visitor_conversations(std::string_view id);  // list, newest first
std::string records(std::string_view measure);           // zset of response-time records
std::string offline(std::string_view id);                // hash: one offline message
std::string offline_department(std::string_view dept);   // zset of offline message ids
inline constexpr std::string_view offline_all = "lc:offline";  // zset of offline message ids
inline constexpr std::string_view departments = "lc:depts";    // set
inline constexpr std::string_view records_pending = "lc:records:pending";  // set

// Pub/Sub: the wake-ups for one node, and those for every node (queue changes).
std::string node_channel(std::string_view node);
inline constexpr std::string_view all_channel = "lc:all";

}  // namespace lc::store::keys
