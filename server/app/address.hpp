#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lc::app {

// "host:port", ":port", "host", "[v6]:port" or "[v6]", split.
struct host_port {
  std::string host;                   // empty when absent (":port")
  std::optional<std::uint16_t> port;  // absent when "host" alone
};

// Nothing when malformed (bad characters, a port outside 1..65535).
std::optional<host_port> split_host_port(std::string_view text);

// Where to find Redis. unix_socket non-empty means a unix socket (host/port unused).
struct redis_endpoint {
  std::string host{};
  std::uint16_t port = 6379;
  std::string unix_socket{};
  // sentinel://h1:26379,h2:26379/name: ask these sentinels for the primary of `master_name`.
  std::vector<std::pair<std::string, std::uint16_t>> sentinels{};
  std::string master_name{};
};

// Accepts "sentinel://host[:port][,host[:port]...]/master-name" (port 26379 by default),
// "redis://host[:port][/0]", "host[:port]", "[::1]:port", "unix:///abs/path" and a bare
// absolute path. Nothing when malformed, and also for credentials or a non-zero database,
// which the server cannot honour (silently dropping a password would be worse).
std::optional<redis_endpoint> parse_redis_url(std::string_view url);

}  // namespace lc::app
