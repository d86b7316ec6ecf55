#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/core/token.hpp"
#include "server/record/pg_connection.hpp"

namespace lc::record {

// A member of staff as the system of record holds them: who they are, what they may do, and
// the hash they sign in with.
struct account {
  std::string id;  // an operator id: the agent id of their tokens
  std::string email;
  std::string display_name;
  core::staff_role role = core::staff_role::agent;
  std::vector<std::string> departments;
  std::uint32_t capacity = 0;
  bool enabled = true;
  std::string password_hash;
  std::int64_t created_ms = 0, updated_ms = 0;
};

// What an admin changes; unset fields stay as they are.
struct account_change {
  std::optional<std::string> email, display_name, password_hash;
  std::optional<core::staff_role> role;
  std::optional<std::vector<std::string>> departments;
  std::optional<std::uint32_t> capacity;
  std::optional<bool> enabled;
};

std::vector<account> list_accounts(pg_connection& db);
std::optional<account> find_account(pg_connection& db, const std::string& id);
// Emails compare case-insensitively (one account per address, however it is typed).
std::optional<account> find_account_by_email(pg_connection& db, const std::string& email);
// Throws pg_error with sqlstate 23505 when the id or the email is taken.
void create_account(pg_connection& db, const account& a);
// The account after the change; nothing when there is no such account.
std::optional<account> update_account(pg_connection& db, const std::string& id,
                                      const account_change& change, std::int64_t now_ms);
// How many enabled admins there are (the last one may not be disabled or demoted).
std::size_t enabled_admins(pg_connection& db);

// Sign-in sessions, by the SHA-256 of their refresh token.
void open_session(pg_connection& db, const std::string& token_hash, const std::string& account_id,
                  std::int64_t now_ms, std::int64_t expires_ms, const std::string& address);
// The session's account when the session exists and has not expired.
std::optional<account> session_account(pg_connection& db, const std::string& token_hash,
                                       std::int64_t now_ms);
void close_session(pg_connection& db, const std::string& token_hash);
// Every session of the account (disabled: no console of theirs may renew).
void close_sessions_of(pg_connection& db, const std::string& account_id);

}  // namespace lc::record
