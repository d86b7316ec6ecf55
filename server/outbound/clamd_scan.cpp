#include "server/outbound/clamd_scan.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lc::outbound {

namespace {

// clamd takes a stream in chunks of at most this; each is "<4-byte length, big-endian><bytes>".
constexpr std::size_t max_chunk = 1UL << 20;

int open_socket(const std::string& path, std::chrono::milliseconds timeout, std::string& why) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    why = "clamd socket path too long";
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    why = "clamd at " + path + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything clamd says until it closes (a reply ends with NUL in the z-protocol), bounded.
std::string read_reply(int fd, std::string& why) {
  std::string out;
  char buf[512];
  while (out.size() < 4096) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = std::string("clamd reply: ") + std::strerror(errno);
      return {};
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.back() == '\0') break;
  }
  while (!out.empty() && (out.back() == '\0' || out.back() == '\n')) out.pop_back();
  return out;
}

}  // namespace

clamd_scan::clamd_scan(std::string socket_path, std::chrono::milliseconds timeout)
    : path_(std::move(socket_path)), timeout_(timeout) {}

clamd_scan::~clamd_scan() {
  if (fd_ >= 0) ::close(fd_);
}

void clamd_scan::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool clamd_scan::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(std::string("clamd write: ") + std::strerror(errno));
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool clamd_scan::connect_once() {
  if (started_) return fd_ >= 0;
  started_ = true;
  std::string why;
  fd_ = open_socket(path_, timeout_, why);
  if (fd_ < 0) {
    fail(why);
    return false;
  }
  return write_all(std::string_view("zINSTREAM\0", 10));
}

void clamd_scan::send(std::string_view bytes) {
  if (!connect_once()) return;
  while (!bytes.empty()) {
    const auto n = std::min(bytes.size(), max_chunk);
    const auto len = static_cast<std::uint32_t>(n);
    const char head[4] = {static_cast<char>(len >> 24U), static_cast<char>(len >> 16U),
                          static_cast<char>(len >> 8U), static_cast<char>(len)};
    if (!write_all(std::string_view(head, 4)) || !write_all(bytes.substr(0, n))) return;
    bytes.remove_prefix(n);
  }
}

scan_result clamd_scan::finish() {
  scan_result r;
  if (connect_once()) write_all(std::string_view("\0\0\0\0", 4));
  if (fd_ < 0) {
    r.detail = error_.empty() ? "clamd: no connection" : error_;
    return r;
  }
  std::string why;
  const auto reply = read_reply(fd_, why);
  ::close(fd_);
  fd_ = -1;
  // "stream: OK", "stream: <signature> FOUND", or "... ERROR" (a stream over StreamMaxLength).
  constexpr std::string_view ok = "stream: OK";
  constexpr std::string_view found = " FOUND";
  if (reply == ok) {
    r.what = scan_result::verdict::clean;
  } else if (reply.size() > found.size() &&
             reply.compare(reply.size() - found.size(), found.size(), found) == 0) {
    r.what = scan_result::verdict::infected;
    const auto start = reply.rfind(": ");
    r.detail =
        reply.substr(start == std::string::npos ? 0 : start + 2,
                     reply.size() - found.size() - (start == std::string::npos ? 0 : start + 2));
  } else {
    r.detail = reply.empty() ? (why.empty() ? "clamd said nothing" : why) : "clamd: " + reply;
  }
  return r;
}

bool clamd_ping(const std::string& socket_path, std::chrono::milliseconds timeout) {
  std::string why;
  const int fd = open_socket(socket_path, timeout, why);
  if (fd < 0) return false;
  const bool sent = ::send(fd, "zPING\0", 6, MSG_NOSIGNAL) == 6;
  const auto reply = sent ? read_reply(fd, why) : std::string();
  ::close(fd);
  return reply == "PONG";
}

}  // namespace lc::outbound
