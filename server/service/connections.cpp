#include "server/service/connections.hpp"

#include <algorithm>

namespace lc::service {

namespace pb = livechat::v1;

connections::connections(core::metrics_registry& metrics) : metrics_(metrics) {}

void connections::remove(const session& s) {
  open_.erase(s.id());
  update_gauges();
}

session* connections::find(std::uint64_t id) const {
  auto it = open_.find(id);
  return it == open_.end() ? nullptr : it->second.get();
}

std::vector<session_ptr> connections::all() const {
  std::vector<session_ptr> out;
  out.reserve(open_.size());
  for (const auto& [id, s] : open_) out.push_back(s);
  return out;
}

void connections::identify(session& s, pb::Role role, std::string user_id,
                           std::string display_name) {
  s.identify(role, std::move(user_id), std::move(display_name),
             role == pb::ROLE_AGENT ? agents_ : visitors_);
  update_gauges();
}

std::vector<std::string> connections::site_visitors() const {
  std::vector<std::string> out;
  for (const auto& [id, s] : open_) {
    if (s->role() == pb::ROLE_VISITOR && s->on_site() && !s->closed()) out.push_back(s->user_id());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool connections::has_user(pb::Role role, const std::string& user_id) const {
  return users(role).contains(user_id);
}

std::size_t connections::connected(pb::Role role) const {
  return users(role).size();
}

const session_index& connections::users(pb::Role role) const {
  return role == pb::ROLE_AGENT ? *agents_ : *visitors_;
}

void connections::update_gauges() {
  metrics_.set("livechat_connected_visitors", static_cast<double>(visitors_->size()));
  metrics_.set("livechat_connected_agents", static_cast<double>(agents_->size()));
}

}  // namespace lc::service
