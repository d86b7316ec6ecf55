#pragma once

#include <cstdint>
#include <string>

#include "server/core/rate_table.hpp"
#include "server/service/options.hpp"

namespace lc::service {

// How often one anonymous client may start chats, send, leave offline messages and ask for
// transcripts by email: counted per
// address (many bots from one place) and per visitor (one visitor's many tabs and addresses).
// Per node; the store bounds what must hold across nodes (waiting chats per address).
class client_limits {
 public:
  explicit client_limits(const service_options& options);

  bool allow_join(const std::string& address, const std::string& visitor, std::int64_t now_ms);
  bool allow_offline_message(const std::string& address, const std::string& visitor,
                             std::int64_t now_ms);
  // A transcript by email: each one is a mail to an address the visitor chose.
  bool allow_transcript(const std::string& address, const std::string& visitor,
                        std::int64_t now_ms);
  // A visitor's chat messages across all their tabs, and an address's across its visitors (on
  // top of each connection's own bucket).
  bool allow_message(const std::string& address, const std::string& visitor, std::int64_t now_ms);

 private:
  core::rate_table joins_by_address_, joins_by_visitor_;
  core::rate_table messages_by_address_, messages_by_visitor_;
  core::rate_table offline_by_address_, offline_by_visitor_;
  core::rate_table transcripts_by_address_, transcripts_by_visitor_;
};

}  // namespace lc::service
