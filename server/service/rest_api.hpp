#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "server/core/metrics.hpp"
#include "server/core/token.hpp"
#include "server/service/options.hpp"
#include "server/service/transport.hpp"
#include "server/store/chat_reads.hpp"
#include "server/store/chat_store.hpp"

namespace lc::service {

// The HTTP side of a node: health, readiness, Prometheus metrics and the REST API
// (conversations with their response times, stats, CSV export, offline messages, the team).
// It reads, except for one admin action: revoking an agent's tokens.
class rest_api {
 public:
  rest_api(boost::asio::io_context& io, store::chat_store& store, store::chat_reads& reads,
           core::metrics_registry& metrics, std::function<bool()> ready,
           const service_options& options)
      : io_(io),
        store_(store),
        reads_(reads),
        metrics_(metrics),
        ready_(std::move(ready)),
        options_(options) {}

  void handle(http_request request, std::function<void(http_response)> done);

 private:
  boost::asio::awaitable<http_response> route(http_request request);
  boost::asio::awaitable<http_response> metrics();
  boost::asio::awaitable<http_response> conversation(const core::agent_claims& who,
                                                     const std::string& id);
  // Agents see the numbers of their own departments, admins of all.
  boost::asio::awaitable<http_response> stats(const core::agent_claims& who,
                                              const std::map<std::string, std::string>& params,
                                              bool csv);
  boost::asio::awaitable<http_response> revoke(const core::agent_claims& who,
                                               const std::string& agent);
  boost::asio::awaitable<http_response> offline_messages(
      const core::agent_claims& who, const std::map<std::string, std::string>& params);
  boost::asio::awaitable<http_response> agents();
  // The caller's claims when its bearer token verifies and was not revoked.
  boost::asio::awaitable<std::optional<core::agent_claims>> authenticate(
      const http_request& request);

  boost::asio::io_context& io_;
  store::chat_store& store_;
  store::chat_reads& reads_;
  core::metrics_registry& metrics_;
  std::function<bool()> ready_;
  const service_options& options_;
};

}  // namespace lc::service
