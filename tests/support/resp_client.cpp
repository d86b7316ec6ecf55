#include "tests/support/resp_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace lc::test {

std::string resp_value::to_string() const {
  switch (type) {
    case kind::simple:
    case kind::bulk:
      return text;
    case kind::error:
      return "(error) " + text;
    case kind::integer:
      return std::to_string(integer);
    case kind::nil:
      return "(nil)";
    case kind::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements[i].to_string();
      }
      return out + "]";
    }
  }
  return {};
}

std::vector<std::string> resp_value::to_list() const {
  if (type == kind::nil) return {};
  if (type != kind::array) return {to_string()};
  std::vector<std::string> out;
  out.reserve(elements.size());
  for (const auto& e : elements) out.push_back(e.to_string());
  return out;
}

std::string encode_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

namespace {

std::int64_t parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::runtime_error("RESP: bad integer '" + std::string(s) + "'");
  }
  return v;
}

}  // namespace

std::optional<resp_value> parse_reply(const std::string& data, std::size_t& pos) {
  std::size_t p = pos;
  auto line_end = data.find("\r\n", p);
  if (line_end == std::string::npos || line_end == p) {
    if (line_end == p) throw std::runtime_error("RESP: empty line");
    return std::nullopt;
  }
  const char tag = data[p];
  std::string_view line(data.data() + p + 1, line_end - p - 1);
  p = line_end + 2;
  resp_value v;
  switch (tag) {
    case '+':
      v.type = resp_value::kind::simple;
      v.text = line;
      break;
    case '-':
      v.type = resp_value::kind::error;
      v.text = line;
      break;
    case ':':
      v.type = resp_value::kind::integer;
      v.integer = parse_int(line);
      break;
    case '$': {
      std::int64_t len = parse_int(line);
      if (len < 0) {
        v.type = resp_value::kind::nil;
        break;
      }
      if (data.size() < p + static_cast<std::size_t>(len) + 2) return std::nullopt;
      v.type = resp_value::kind::bulk;
      v.text = data.substr(p, static_cast<std::size_t>(len));
      p += static_cast<std::size_t>(len) + 2;
      break;
    }
    case '*': {
      std::int64_t n = parse_int(line);
      if (n < 0) {
        v.type = resp_value::kind::nil;
        break;
      }
      v.type = resp_value::kind::array;
      for (std::int64_t i = 0; i < n; ++i) {
        auto element = parse_reply(data, p);
        if (!element) return std::nullopt;
        v.elements.push_back(std::move(*element));
      }
      break;
    }
    default:
      throw std::runtime_error(std::string("RESP: unexpected reply type '") + tag + "'");
  }
  pos = p;
  return v;
}

resp_client::resp_client(const std::string& host, std::uint16_t port,
                         const std::string& unix_socket, std::chrono::milliseconds timeout) {
  if (!unix_socket.empty()) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (unix_socket.size() >= sizeof addr.sun_path) {
      throw std::runtime_error("resp_client: unix socket path too long");
    }
    std::memcpy(addr.sun_path, unix_socket.c_str(), unix_socket.size() + 1);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      int err = errno;
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("resp_client: connect " + unix_socket + ": " + std::strerror(err));
    }
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
      throw std::runtime_error("resp_client: resolve " + host + ": " + ::gai_strerror(rc));
    }
    int err = 0;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd_ < 0) continue;
      if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
      err = errno;
      ::close(fd_);
      fd_ = -1;
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) {
      throw std::runtime_error("resp_client: connect " + host + ":" + std::to_string(port) + ": " +
                               std::strerror(err));
    }
  }
  // Every wait in a test must be bounded: a hung Redis turns into an exception, not a hang.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

resp_client::resp_client(resp_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buf_(std::move(other.buf_)), pos_(other.pos_) {}

resp_client::~resp_client() {
  if (fd_ >= 0) ::close(fd_);
}

resp_value resp_client::call(const std::vector<std::string>& args) {
  if (fd_ < 0) throw std::runtime_error("resp_client: not connected");
  const std::string wire = encode_command(args);
  std::string_view rest = wire;
  while (!rest.empty()) {
    ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("resp_client: send: ") + std::strerror(errno));
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return read_value();
}

resp_value resp_client::read_value() {
  while (true) {
    std::size_t p = pos_;
    if (auto v = parse_reply(buf_, p)) {
      buf_.erase(0, p);
      pos_ = 0;
      return std::move(*v);
    }
    fill();
  }
}

void resp_client::fill() {
  char chunk[16384];
  while (true) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) throw std::runtime_error("resp_client: connection closed by Redis");
    if (n < 0) {
      throw std::runtime_error(errno == EAGAIN || errno == EWOULDBLOCK
                                   ? std::string("resp_client: timed out waiting for a reply")
                                   : std::string("resp_client: recv: ") + std::strerror(errno));
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
    return;
  }
}

}  // namespace lc::test
