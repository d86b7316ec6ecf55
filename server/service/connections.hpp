#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/core/metrics.hpp"
#include "server/service/session.hpp"
#include "server/service/session_index.hpp"

namespace lc::service {

// The open sessions of this node and the indices over them: by id, by user (agents and
// visitors apart), and by followed conversation. The indices hold ids only, and their entries
// belong to the sessions (see session_index), so a session that closes is gone from all of them.
class connections {
 public:
  explicit connections(core::metrics_registry& metrics);

  void add(const session_ptr& s) { open_.emplace(s->id(), s); }
  // After the session closed (and let go of its index entries).
  void remove(const session& s);
  // The open session with this id, or nothing.
  session* find(std::uint64_t id) const;
  std::vector<session_ptr> all() const;
  std::size_t size() const { return open_.size(); }

  // Registers the session under its user id (Hello succeeded).
  void identify(session& s, livechat::v1::Role role, std::string user_id, std::string display_name);
  bool has_user(livechat::v1::Role role, const std::string& user_id) const;
  // The visitors with a connection here that reported a page (PageView), each once: the live
  // visitor list's heartbeat.
  std::vector<std::string> site_visitors() const;
  // Distinct users with at least one connection here.
  std::size_t connected(livechat::v1::Role role) const;

  const std::shared_ptr<session_index>& followers() const { return followers_; }

  // Calls f(session&, follow&) for every session following `conv`. f may unfollow, send, or
  // close sessions; each is looked up afresh.
  template <class F>
  void for_followers(const std::string& conv, F&& f) {
    each(followers_->find(conv), [&](session& s) {
      if (auto* fl = s.find_follow(conv)) f(s, *fl);
    });
  }
  // Calls f(session&) for every session of the user.
  template <class F>
  void for_user(livechat::v1::Role role, const std::string& user_id, F&& f) {
    each(users(role).find(user_id), f);
  }

 private:
  const session_index& users(livechat::v1::Role role) const;
  void update_gauges();

  // Walks a copy of `ids` (callbacks may change the index), skipping sessions gone meanwhile.
  template <class F>
  void each(const std::vector<std::uint64_t>* ids, F&& f) {
    if (ids == nullptr) return;
    constexpr std::size_t inline_ids = 8;  // most conversations have two or three followers
    std::array<std::uint64_t, inline_ids> small{};
    std::vector<std::uint64_t> large;
    const std::uint64_t* begin = small.data();
    const std::size_t n = ids->size();
    if (n <= inline_ids) {
      std::copy(ids->begin(), ids->end(), small.begin());
    } else {
      large = *ids;
      begin = large.data();
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (auto* s = find(begin[i]); s != nullptr && !s->closed()) f(*s);
    }
  }

  core::metrics_registry& metrics_;
  std::unordered_map<std::uint64_t, session_ptr> open_;
  std::shared_ptr<session_index> agents_ = std::make_shared<session_index>();
  std::shared_ptr<session_index> visitors_ = std::make_shared<session_index>();
  std::shared_ptr<session_index> followers_ = std::make_shared<session_index>();
};

}  // namespace lc::service
