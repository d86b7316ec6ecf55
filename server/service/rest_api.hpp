#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/core/token.hpp"
#include "server/service/ban_desk.hpp"
#include "server/service/context.hpp"
#include "server/service/team_api.hpp"
#include "server/service/transport.hpp"
#include "server/service/webhook_desk.hpp"

namespace lc::service {

using params_map = std::map<std::string, std::string>;

// The HTTP side of a node: health, readiness, Prometheus metrics and the REST API. Live state
// comes from Redis; history, reports and the visitor rights (export, erasure) from the system
// of record. Writes: revoking an agent's tokens and erasing a visitor (admins); bans go to
// ban_desk.
class rest_api {
 public:
  rest_api(const service_context& ctx, ban_desk& bans, webhook_desk& webhooks,
           std::function<bool()> ready, std::function<bool()> archive_degraded)
      : ctx_(ctx),
        bans_(bans),
        webhooks_(webhooks),
        ready_(std::move(ready)),
        archive_degraded_(std::move(archive_degraded)),
        team_(ctx) {}

  void handle(http_request request, std::function<void(http_response)> done);

 private:
  boost::asio::awaitable<http_response> route(http_request request);
  boost::asio::awaitable<http_response> readiness();
  boost::asio::awaitable<http_response> metrics();
  // rest_history.cpp: one conversation (live or archived), search, a visitor's rights.
  boost::asio::awaitable<http_response> conversation(const core::agent_claims& who,
                                                     const std::string& id);
  boost::asio::awaitable<http_response> search(const core::agent_claims& who,
                                               const params_map& params);
  boost::asio::awaitable<http_response> export_visitor(const core::agent_claims& who,
                                                       const std::string& visitor);
  boost::asio::awaitable<http_response> erase_visitor(const core::agent_claims& who,
                                                      const std::string& visitor);
  // rest_stats.cpp: agents see the numbers of their own departments, admins of all.
  boost::asio::awaitable<http_response> stats(const core::agent_claims& who,
                                              const params_map& params, bool csv);
  boost::asio::awaitable<http_response> revoke(const core::agent_claims& who,
                                               const std::string& agent);
  boost::asio::awaitable<http_response> offline_messages(const core::agent_claims& who,
                                                         const params_map& params);
  boost::asio::awaitable<http_response> agents();
  // The live visitor list: who is on the site now (any member of staff).
  boost::asio::awaitable<http_response> site_visitors();
  // Who waits in the caller's departments (admins: all), longest first.
  boost::asio::awaitable<http_response> waiting(const core::agent_claims& who);
  // Supervisors: the conversations agents of their departments hold now.
  boost::asio::awaitable<http_response> live(const core::agent_claims& who);
  // The caller's claims when its bearer token verifies and was not revoked.
  boost::asio::awaitable<std::optional<core::agent_claims>> authenticate(
      const http_request& request);

  const service_context& ctx_;
  ban_desk& bans_;
  webhook_desk& webhooks_;
  std::function<bool()> ready_;
  std::function<bool()> archive_degraded_;
  team_api team_;  // sign-in, accounts, audit, shared replies and tags
};

}  // namespace lc::service
