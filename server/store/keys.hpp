#pragma once

#include <string>
#include <string_view>

// The names of every Redis key and channel the C++ side touches, in one place; the Functions
// library has the same table at the top of livechat.lua (the two must agree, see
// tests/store/keys_test.cpp). Ids reach these only after the server validated them against
// their grammar (core/ids.hpp); as a last line, a part that could change a key's structure
// (empty, ':' or a hash-tag brace) throws std::invalid_argument instead of naming another key.
namespace lc::store::keys {

std::string conversation(std::string_view id);           // hash
std::string stream(std::string_view id);                 // stream of events, ids 0-<seq>
std::string metadata(std::string_view id);               // hash: visitor metadata from the join
std::string agent(std::string_view id);                  // hash
std::string agent_conversations(std::string_view id);    // set: the agent's open chats
std::string visitor(std::string_view id);                // hash
std::string visitor_conversations(std::string_view id);  // list, newest first
std::string offline(std::string_view id);                // hash: one offline message
std::string offline_department(std::string_view dept);   // zset of offline message ids
std::string address_queued(std::string_view addr_hex);   // set: an address's waiting chats
inline constexpr std::string_view offline_all = "lc:offline";  // zset of offline message ids
inline constexpr std::string_view revoked = "lc:revoked";      // hash: agent -> not-before ms
// zset: closed conversations not yet in the system of record, by close ms
inline constexpr std::string_view archive_pending = "lc:archive:pending";

// string: the id of the ban in force on one identifier, expiring with it. `key_part` is
// core::ban_subject's: a kind letter (v, a, e), ':', then a checked part.
std::string ban(std::string_view key_part);

// Any bytes (a client address, which holds ':' in IPv6) as lower-case hex: a safe key part.
std::string hex_part(std::string_view bytes);

// `id` itself, checked the same way, for ids used as a field or member of a fixed key.
std::string_view operator_part(std::string_view id);

// Pub/Sub: the wake-ups for one node, and those for every node (queue changes).
std::string node_channel(std::string_view node);
inline constexpr std::string_view all_channel = "lc:all";

}  // namespace lc::store::keys
