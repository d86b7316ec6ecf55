#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "server/store/redis_connection.hpp"

namespace lc::store {

// The bans in force, as every node checks them: one key per banned identifier (keys::ban),
// holding the ban's id and expiring with the ban. The system of record keeps the bans
// themselves; this is what a join looks up.
class ban_store {
 public:
  template <class T>
  using task = boost::asio::awaitable<T>;

  explicit ban_store(redis_connection& conn) : conn_(conn) {}

  // In force now, for `ttl` (zero: until removed).
  task<void> put(std::string key_part, std::int64_t ban_id, std::chrono::milliseconds ttl);
  task<void> remove(std::string key_part);
  // Removes the identifier's key only while it holds `ban_id` (one atomic step): undoes a put
  // that a lift overtook, never a newer ban on the same identifier.
  task<void> remove_if(std::string key_part, std::int64_t ban_id);
  // The id of a ban in force on any of the identifiers (the first found), 0 when none is.
  task<std::int64_t> find(std::vector<std::string> key_parts);

 private:
  redis_connection& conn_;
};

}  // namespace lc::store
