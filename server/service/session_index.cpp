#include "server/service/session_index.hpp"

#include <algorithm>

namespace lc::service {

const std::vector<std::uint64_t>* session_index::find(const std::string& key) const {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

void session_index::add(const std::string& key, std::uint64_t id) {
  map_[key].push_back(id);
}

void session_index::remove(const std::string& key, std::uint64_t id) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  auto& ids = it->second;
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  if (ids.empty()) map_.erase(it);
}

index_entry::index_entry(const std::shared_ptr<session_index>& index, std::string key,
                         std::uint64_t id)
    : index_(index), key_(std::move(key)), id_(id) {
  index->add(key_, id_);
}

index_entry::~index_entry() {
  if (auto index = index_.lock()) index->remove(key_, id_);
}

}  // namespace lc::service
