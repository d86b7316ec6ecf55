#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/core/token.hpp"
#include "server/service/transport.hpp"

namespace lc::service {

class chat_service;

// The HTTP side of a node: health, readiness, Prometheus metrics and the REST API
// (conversations with their response times, stats, CSV export, offline messages).
class rest_api {
 public:
  explicit rest_api(chat_service& service) : service_(service) {}

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

  chat_service& service_;
};

}  // namespace lc::service
