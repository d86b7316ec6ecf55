#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace lc::service {

// Session ids by key: a conversation's followers, a user's connections on this node. Entries
// come and go only with their index_entry, which the session owns, so an index never names a
// session that has closed.
class session_index {
 public:
  // The ids registered under `key`, oldest first; nothing when none.
  const std::vector<std::uint64_t>* find(const std::string& key) const;
  bool contains(const std::string& key) const { return map_.contains(key); }
  std::size_t size() const { return map_.size(); }

 private:
  friend class index_entry;
  void add(const std::string& key, std::uint64_t id);
  void remove(const std::string& key, std::uint64_t id);

  std::unordered_map<std::string, std::vector<std::uint64_t>> map_;
};

// One session's registration under one key: added when made, removed when destroyed.
class index_entry {
 public:
  index_entry(const std::shared_ptr<session_index>& index, std::string key, std::uint64_t id);
  ~index_entry();
  index_entry(const index_entry&) = delete;
  index_entry& operator=(const index_entry&) = delete;

  const std::string& key() const { return key_; }

 private:
  std::weak_ptr<session_index> index_;  // the service may be gone before a lingering session
  std::string key_;
  std::uint64_t id_;
};

}  // namespace lc::service
