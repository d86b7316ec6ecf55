#include "server/app/healthcheck.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include "server/app/flags.hpp"

namespace lc::app {

namespace {

using clock = std::chrono::steady_clock;

// The port the server reported in its --port-file; nothing when it has not written it yet.
std::optional<std::uint16_t> read_port_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  auto v = parse_uint(text);
  if (!v || *v < 1 || *v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

// Milliseconds left until `deadline`, at least 0, for poll().
int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Closes the socket on every return path.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

healthcheck_parse_result parse_healthcheck_args(std::span<const std::string> args,
                                                const env_lookup& env) {
  healthcheck_parse_result result;
  if (wants_help(args)) {
    result.show_help = true;
    return result;
  }
  auto split = split_flags(
      args, [](std::string_view name) { return name == "--liveness"; }, "(see --help)");
  if (!split.error.empty()) {
    result.error = split.error;
    return result;
  }
  healthcheck_request req;
  std::vector<std::string> server_args;
  for (auto& f : split.flags) {
    if (f.name == "--liveness") {
      if (f.value) {
        result.error = "--liveness takes no value";
        return result;
      }
      req.target = "/healthz";
    } else if (f.name == "--timeout-ms") {
      auto v = parse_uint(f.value.value_or(""));
      if (!v || *v < 1 || *v > 60000) {
        result.error = "--timeout-ms: invalid value '" + f.value.value_or("") +
                       "' (expected an integer in 1..60000)";
        return result;
      }
      req.timeout = std::chrono::milliseconds(*v);
    } else {
      server_args.push_back(f.name + "=" + f.value.value_or(""));
    }
  }
  auto parsed = parse_config(server_args, env);
  if (!parsed.cfg) {
    result.error = parsed.error;
    return result;
  }
  const config& cfg = *parsed.cfg;
  // A wildcard listener answers on loopback; probing from inside the host (or container) must
  // not depend on how the outside reaches it.
  if (cfg.listen_address.empty() || cfg.listen_address == "0.0.0.0") {
    req.host = "127.0.0.1";
  } else if (cfg.listen_address == "::" || cfg.listen_address == "[::]") {
    req.host = "::1";
  } else {
    req.host = cfg.listen_address;
  }
  req.port = cfg.port;
  if (req.port == 0) {
    auto from_file = cfg.port_file.empty() ? std::nullopt : read_port_file(cfg.port_file);
    if (!from_file) {
      result.error = cfg.port_file.empty()
                         ? "the server listens on port 0 (any free port) and has no --port-file "
                           "to say which: give --port"
                         : "no port in " + cfg.port_file + " (is the server listening?)";
      return result;
    }
    req.port = *from_file;
  }
  result.request = std::move(req);
  return result;
}

std::string healthcheck_help() {
  return "Usage: livechat healthcheck [--liveness] [--timeout-ms MS] [server flags]\n"
         "\n"
         "GET /readyz from the node that the same flags and LIVECHAT_* environment would start\n"
         "(0.0.0.0 and :: probe 127.0.0.1 and ::1): exit 0 on 200, 1 otherwise.\n"
         "  --liveness          GET /healthz instead (the process serves HTTP; Redis may be down)\n"
         "  --timeout-ms MS     give up after MS milliseconds (default 3000)\n";
}

int probe_http(const healthcheck_request& request, std::string& error) {
  const auto deadline = clock::now() + request.timeout;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  std::string host = request.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(request.port);
    addr_len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(request.port);
    addr_len = sizeof *v6;
  } else {
    error = "listen address '" + request.host + "' is not an IP address";
    return 0;
  }
  fd_guard sock{::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return 0;
  }
  // Non-blocking throughout, so a listener that accepts but never answers (a frozen process)
  // fails the check within the timeout instead of hanging it.
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    if (errno != EINPROGRESS) {
      error = std::string("connect: ") + std::strerror(errno);
      return 0;
    }
    pollfd p{sock.fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
      error = "connect: timed out";
      return 0;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr != 0) {
      error = std::string("connect: ") + std::strerror(soerr);
      return 0;
    }
  }
  const std::string req =
      "GET " + request.target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(sock.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{sock.fd, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
        error = "send: timed out";
        return 0;
      }
      continue;
    }
    error = std::string("send: ") + std::strerror(errno);
    return 0;
  }
  // Only the status line matters: "HTTP/1.1 200 OK".
  std::string head;
  while (head.find("\r\n") == std::string::npos && head.size() < 1024) {
    pollfd p{sock.fd, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
      error = "no answer within " + std::to_string(request.timeout.count()) + " ms";
      return 0;
    }
    char buf[512];
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  const auto sp = head.find(' ');
  if (!head.starts_with("HTTP/1.") || sp == std::string::npos || head.size() < sp + 4) {
    error = "not an HTTP answer";
    return 0;
  }
  auto status = parse_uint(std::string_view(head).substr(sp + 1, 3));
  if (!status) {
    error = "not an HTTP answer";
    return 0;
  }
  return static_cast<int>(*status);
}

}  // namespace lc::app
