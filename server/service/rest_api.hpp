#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "server/core/limits.hpp"
#include "server/core/metrics.hpp"
#include "server/core/token.hpp"
#include "server/service/transport.hpp"
#include "server/store/chat_reads.hpp"

namespace lc::service {

// The HTTP side of a node: health, readiness, Prometheus metrics and the REST API
// (conversations with their response times, stats, CSV export, offline messages, the team).
// It reads only: the store's read side, the metrics, and whether the node is ready.
class rest_api {
 public:
  rest_api(boost::asio::io_context& io, store::chat_reads& reads, core::metrics_registry& metrics,
           std::function<bool()> ready, std::string secret, core::limits limits)
      : io_(io),
        reads_(reads),
        metrics_(metrics),
        ready_(std::move(ready)),
        secret_(std::move(secret)),
        limits_(limits) {}

  void handle(http_request request, std::function<void(http_response)> done);

 private:
  boost::asio::awaitable<http_response> route(http_request request);
  boost::asio::awaitable<http_response> metrics();
  boost::asio::awaitable<http_response> conversation(const core::agent_claims& who,
                                                     const std::string& id);
  // Agents and admins see every department's numbers: support teams share one dashboard.
  boost::asio::awaitable<http_response> stats(const std::map<std::string, std::string>& params,
                                              bool csv);
  boost::asio::awaitable<http_response> offline_messages(
      const core::agent_claims& who, const std::map<std::string, std::string>& params);
  boost::asio::awaitable<http_response> agents();
  std::optional<core::agent_claims> authenticate(const http_request& request) const;

  boost::asio::io_context& io_;
  store::chat_reads& reads_;
  core::metrics_registry& metrics_;
  std::function<bool()> ready_;
  std::string secret_;
  core::limits limits_;
};

}  // namespace lc::service
