#pragma once

#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/core/json_value.hpp"
#include "server/core/token.hpp"
#include "server/service/context.hpp"
#include "server/service/transport.hpp"

namespace lc::service {

// Bans: staff ban a visitor (their id, address or email) for a period or until lifted, and
// supervisors list and lift bans (/api/bans). The system of record keeps every ban and who
// made or lifted it (and the audit log says so); Redis holds the ones in force for every node's
// joins to check (store::ban_store). A ban from a chat ends that chat.
class ban_desk {
 public:
  // `closed` is told of each conversation a ban ended (for its archive and the queue).
  ban_desk(const service_context& ctx,
           std::function<void(const std::string& conv, const std::string& department)> closed)
      : ctx_(ctx), closed_(std::move(closed)) {}

  // /api/bans and /api/bans/{id}; nothing for other paths.
  boost::asio::awaitable<std::optional<http_response>> route(const core::agent_claims& who,
                                                             const http_request& request,
                                                             const std::string& path);
  // Puts every ban in force in the record back into Redis (after Redis lost them, or missed one
  // a node recorded while Redis was down). Runs whenever the command connection is ready.
  boost::asio::awaitable<void> restore();
  // The first restore() has finished (or failed: chat goes on without the record): until then a
  // node is not ready, so no visitor reaches it before the bans it should check are there.
  bool settled() const { return settled_; }

 private:
  boost::asio::awaitable<http_response> add(const core::agent_claims& who,
                                            const core::json_value& body);
  boost::asio::awaitable<http_response> list(bool all);
  boost::asio::awaitable<http_response> lift(const core::agent_claims& who, std::int64_t id);

  const service_context& ctx_;
  std::function<void(const std::string&, const std::string&)> closed_;
  bool settled_ = false;
};

}  // namespace lc::service
