#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lc::test {

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

// One blocking HTTP/1.1 request over a fresh connection ("Connection: close"); handles
// Content-Length, chunked and read-to-EOF bodies. Throws std::runtime_error on connection
// errors, malformed responses and when `timeout` (for the whole exchange) passes.
http_response http_request(const std::string& method, const std::string& host, std::uint16_t port,
                           const std::string& target, const http_headers& headers = {},
                           const std::string& body = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

inline http_response http_get(const std::string& host, std::uint16_t port,
                              const std::string& target, const http_headers& headers = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return http_request("GET", host, port, target, headers, {}, timeout);
}

}  // namespace lc::test
