#include "tests/support/http_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace lc::test {
namespace {

using clock_type = std::chrono::steady_clock;

// Closes a descriptor on scope exit.
class socket_guard {
 public:
  explicit socket_guard(int fd) : fd_(fd) {}
  socket_guard(const socket_guard&) = delete;
  socket_guard& operator=(const socket_guard&) = delete;
  ~socket_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

void wait_ready(int fd, short events, clock_type::time_point deadline, const char* what) {
  while (true) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc > 0) return;
    if (rc == 0) throw std::runtime_error(std::string("http: timed out ") + what);
    if (errno != EINTR)
      throw std::runtime_error(std::string("http: poll: ") + std::strerror(errno));
  }
}

int connect_with_deadline(const std::string& host, std::uint16_t port,
                          clock_type::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    throw std::runtime_error("http: resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int prc;
      do {
        prc = ::poll(&p, 1, remaining_ms(deadline));
      } while (prc < 0 && errno == EINTR);
      int err = ETIMEDOUT;
      if (prc > 0) {
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  throw std::runtime_error("http: connect " + host + ":" + std::to_string(port) + ": " +
                           last_error);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Decodes a chunked body; nothing when more data is needed.
std::optional<std::string> decode_chunked(std::string_view data) {
  std::string out;
  std::size_t p = 0;
  while (true) {
    auto eol = data.find("\r\n", p);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string size_text(data.substr(p, eol - p));
    size_text = size_text.substr(0, size_text.find(';'));
    std::size_t size = std::stoul(size_text, nullptr, 16);
    p = eol + 2;
    if (size == 0) return out;  // trailers ignored
    if (data.size() < p + size + 2) return std::nullopt;
    out.append(data.substr(p, size));
    p += size + 2;
  }
}

// A complete response parsed from `data`, or nothing when more is needed (eof: no more comes).
std::optional<http_response> try_parse(const std::string& data, bool eof, bool head_request) {
  auto header_end = data.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    if (eof) throw std::runtime_error("http: connection closed before the response headers");
    return std::nullopt;
  }
  http_response r;
  std::string_view head(data.data(), header_end);
  auto first_eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, first_eol);
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12) {
    throw std::runtime_error("http: malformed status line '" + std::string(status_line) + "'");
  }
  r.status = std::stoi(std::string(status_line.substr(9, 3)));
  std::size_t p = first_eol == std::string_view::npos ? head.size() : first_eol + 2;
  while (p < head.size()) {
    auto eol = head.find("\r\n", p);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(p, eol - p);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      r.headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    p = eol + 2;
  }
  std::string_view body(data.data() + header_end + 4, data.size() - header_end - 4);
  if (head_request || r.status == 204 || r.status == 304 || r.status / 100 == 1) return r;
  if (auto te = r.headers.find("transfer-encoding");
      te != r.headers.end() && lower(te->second).find("chunked") != std::string::npos) {
    auto decoded = decode_chunked(body);
    if (!decoded) {
      if (eof) throw std::runtime_error("http: connection closed inside a chunked body");
      return std::nullopt;
    }
    r.body = std::move(*decoded);
    return r;
  }
  if (auto cl = r.headers.find("content-length"); cl != r.headers.end()) {
    std::size_t len = std::stoul(cl->second);
    if (body.size() < len) {
      if (eof) throw std::runtime_error("http: connection closed before the body was complete");
      return std::nullopt;
    }
    r.body = std::string(body.substr(0, len));
    return r;
  }
  if (!eof) return std::nullopt;
  r.body = std::string(body);
  return r;
}

}  // namespace

http_response http_request(const std::string& method, const std::string& host, std::uint16_t port,
                           const std::string& target, const http_headers& headers,
                           const std::string& body, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  socket_guard fd(connect_with_deadline(host, port, deadline));

  std::string request = method + " " + target + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [k, v] : headers) has_host = has_host || lower(k) == "host";
  if (!has_host) request += "Host: " + host + ":" + std::to_string(port) + "\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "Connection: close\r\n\r\n";
  request += body;

  std::string_view rest = request;
  while (!rest.empty()) {
    wait_ready(fd.get(), POLLOUT, deadline, "sending the request");
    ssize_t n = ::send(fd.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw std::runtime_error(std::string("http: send: ") + std::strerror(errno));
    rest.remove_prefix(static_cast<std::size_t>(n));
  }

  std::string data;
  char chunk[16384];
  while (true) {
    if (auto r = try_parse(data, false, method == "HEAD")) return *r;
    wait_ready(fd.get(), POLLIN, deadline, "waiting for the response");
    ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0 && errno != ECONNRESET) {
      throw std::runtime_error(std::string("http: recv: ") + std::strerror(errno));
    }
    if (n <= 0) {
      if (auto r = try_parse(data, true, method == "HEAD")) return *r;
      throw std::runtime_error("http: connection closed");
    }
    data.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace lc::test
