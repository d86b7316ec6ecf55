#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "server/service/connections.hpp"
#include "server/service/context.hpp"

namespace lc::service {

// Pushes the board (who waits, the chats held now, the team) to the staff sessions that follow
// it, each scoped to its departments. One read of each list serves every follower on the node;
// it is made every second while anyone follows, soon after a queue changed anywhere, and at
// once for a new follower. Followers with the same scope share one Board, sent to each only
// when it differs from the one they had.
class board_feed {
 public:
  board_feed(const service_context& ctx, connections& conns);

  // The session follows the board from now on (and gets it at once), or no longer.
  void follow(const session& s);
  void unfollow(const session& s);
  // A queue changed somewhere (a Pub/Sub wake-up): look again soon.
  void changed();
  void stop();  // draining: no more pushes

 private:
  void schedule(std::chrono::milliseconds after);
  task flush();
  task flush_once();

  const service_context& ctx_;
  connections& conns_;
  // Session id -> the board last sent to it (serialised without its clock), "" before the first.
  std::map<std::uint64_t, std::string> followers_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point due_{};  // when the scheduled flush runs
  bool scheduled_ = false;
  bool flushing_ = false;
  bool again_ = false;  // asked for while flushing: flush once more right after
  bool stopped_ = false;
};

}  // namespace lc::service
