#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "server/app/config.hpp"

namespace lc::app {

// What `livechat healthcheck` probes: the node the same flags and LIVECHAT_* environment would
// start, so a container's HEALTHCHECK cannot disagree with the server about the port.
struct healthcheck_request {
  std::string host = "127.0.0.1";  // the listen address; a wildcard becomes its loopback
  std::uint16_t port = 8080;
  std::string target = "/readyz";           // --liveness: /healthz
  std::chrono::milliseconds timeout{3000};  // --timeout-ms, for connect + request + status line
};

struct healthcheck_parse_result {
  std::optional<healthcheck_request> request{};
  bool show_help = false;
  std::string error{};
};

// `args` excludes "livechat healthcheck": --liveness and --timeout-ms, and any server flag (the
// server's parse_config reads them and the environment). With --port 0 the port comes from
// --port-file, which the server writes once it listens.
healthcheck_parse_result parse_healthcheck_args(std::span<const std::string> args,
                                                const env_lookup& env);

std::string healthcheck_help();

// The HTTP status of GET request.target, or 0 with `error` set when there is none in time.
int probe_http(const healthcheck_request& request, std::string& error);

}  // namespace lc::app
