#include "server/app/redis_launcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lc::app {
namespace {

using std::chrono::steady_clock;

// sun_path is 108 bytes including the terminator; keep a little slack.
constexpr std::size_t max_unix_path = 100;

// Closes a descriptor on scope exit; only for the few raw fds below.
class fd_guard {
 public:
  explicit fd_guard(int fd = -1) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text(int err) {
  return std::strerror(err);
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

int connect_socket(const std::string& unix_path, std::uint16_t port,
                   std::chrono::milliseconds timeout) {
  int fd = unix_path.empty() ? ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)
                             : ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int rc;
  if (unix_path.empty()) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, unix_path.c_str(), unix_path.size() + 1);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Ready means: answers PING, is *our* child (not another server that owns the port) and has
// finished loading the AOF (commands before that get -LOADING).
bool probe_ready(const std::string& unix_path, std::uint16_t port, pid_t expected_pid) {
  fd_guard fd(connect_socket(unix_path, port, std::chrono::milliseconds(500)));
  if (fd.get() < 0) return false;
  if (!send_all(fd.get(), "PING\r\nINFO\r\n")) return false;
  std::string buf;
  char chunk[4096];
  const auto deadline = steady_clock::now() + std::chrono::seconds(1);
  while (steady_clock::now() < deadline) {
    ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    if (buf.size() >= 7 && buf.compare(0, 7, "+PONG\r\n") != 0) return false;
    if (buf.size() < 8) continue;
    std::size_t header_end = buf.find("\r\n", 7);
    if (header_end == std::string::npos) continue;
    if (buf[7] != '$') return false;  // e.g. -LOADING
    long len = std::strtol(buf.c_str() + 8, nullptr, 10);
    if (len < 0) return false;
    if (buf.size() < header_end + 2 + static_cast<std::size_t>(len)) continue;
    std::string_view info(buf.data() + header_end + 2, static_cast<std::size_t>(len));
    std::string pid_line = "process_id:" + std::to_string(expected_pid) + "\r\n";
    return info.find(pid_line) != std::string_view::npos &&
           info.find("loading:0\r\n") != std::string_view::npos;
  }
  return false;
}

}  // namespace

std::string file_tail(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size <= 0) return {};
  std::streamoff from = size > static_cast<std::streamoff>(max_bytes)
                            ? size - static_cast<std::streamoff>(max_bytes)
                            : 0;
  in.seekg(from);
  std::string out(static_cast<std::size_t>(size - from), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

std::uint16_t free_loopback_port() {
  fd_guard fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw std::runtime_error("free_loopback_port: socket: " + errno_text(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("free_loopback_port: bind: " + errno_text(errno));
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("free_loopback_port: getsockname: " + errno_text(errno));
  }
  return ntohs(addr.sin_port);
}

std::unique_ptr<redis_process> redis_process::start(const redis_launch_options& options) {
  if (options.data_dir.empty()) throw std::runtime_error("redis launcher: data_dir is empty");
  if (options.appendfsync != "always" && options.appendfsync != "everysec" &&
      options.appendfsync != "no") {
    throw std::runtime_error("redis launcher: appendfsync must be always, everysec or no, not '" +
                             options.appendfsync + "'");
  }
  std::string exe;
  try {
    exe = find_executable(options.redis_server);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("redis launcher: ") + e.what());
  }

  std::unique_ptr<redis_process> proc(new redis_process());
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    throw std::runtime_error("redis launcher: cannot create data dir " + options.data_dir.string() +
                             ": " + ec.message());
  }
  // Conversations and the token secret live here: for the server's user alone.
  std::filesystem::permissions(options.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  // Redis chdirs into --dir, so every path handed to it must be absolute.
  proc->data_dir_ = std::filesystem::absolute(options.data_dir).lexically_normal();
  proc->log_file_ = options.log_file.empty()
                        ? proc->data_dir_ / "redis.log"
                        : std::filesystem::absolute(options.log_file).lexically_normal();

  if (options.use_unix_socket) {
    std::filesystem::path sock = proc->data_dir_ / "redis.sock";
    if (sock.string().size() > max_unix_path) {
      char tmpl[] = "/tmp/lc-redis-XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) {
        throw std::runtime_error("redis launcher: mkdtemp: " + errno_text(errno));
      }
      proc->socket_temp_dir_ = tmpl;
      sock = proc->socket_temp_dir_ / "redis.sock";
    }
    proc->unix_socket_ = sock.string();
  } else {
    proc->host_ = "127.0.0.1";
  }

  // An auto-picked port can be taken between free_loopback_port() and Redis's bind: retry.
  const int attempts = (!options.use_unix_socket && options.port == 0) ? 5 : 1;
  for (int attempt = 0;; ++attempt) {
    if (!options.use_unix_socket) {
      proc->port_ = options.port != 0 ? options.port : free_loopback_port();
    }
    // Debian's packaged defaults (appendonly no, save ...) do not apply without a config file,
    // but say everything explicitly anyway: durability depends on it.
    std::vector<std::string> args = {"--port",
                                     std::to_string(proc->port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     proc->data_dir_.string(),
                                     "--appendonly",
                                     "yes",
                                     "--appendfsync",
                                     options.appendfsync,
                                     "--save",
                                     "",
                                     "--daemonize",
                                     "no",
                                     "--logfile",
                                     proc->log_file_.string(),
                                     "--protected-mode",
                                     "no"};
    if (options.use_unix_socket) {
      args.insert(args.end(), {"--unixsocket", proc->unix_socket_, "--unixsocketperm", "700"});
    }
    if (!options.maxmemory.empty()) {
      args.insert(args.end(),
                  {"--maxmemory", options.maxmemory, "--maxmemory-policy", "noeviction"});
    }
    std::uintmax_t log_offset = std::filesystem::file_size(proc->log_file_, ec);
    if (ec) log_offset = 0;

    try {
      // Redis's own early errors (bad arguments) go to stderr, so that goes to the log too.
      proc->child_ = child_process::spawn({.executable = exe,
                                           .args = args,
                                           .env = {},
                                           .output_file = proc->log_file_,
                                           .death_signal = SIGTERM,
                                           .umask = 077});
    } catch (const std::exception& e) {
      proc->stop();
      throw std::runtime_error(std::string("redis launcher: ") + e.what());
    }

    const auto deadline = steady_clock::now() + options.start_timeout;
    bool ready = false;
    while (proc->child_.running()) {
      if (probe_ready(proc->unix_socket_, proc->port_, proc->child_.pid())) {
        ready = true;
        break;
      }
      if (steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (ready) return proc;

    std::string error;
    if (auto status = proc->child_.exit_status()) {
      error = "redis launcher: " + exe + " exited during startup (" +
              describe_wait_status(*status) + ")";
      // Only this attempt's part of the log counts: earlier runs append to the same file.
      const auto log_size = std::filesystem::file_size(proc->log_file_, ec);
      const std::string this_run =
          (!ec && log_size > log_offset) ? file_tail(proc->log_file_, log_size - log_offset) : "";
      if (attempt + 1 < attempts && this_run.find("Address already in use") != std::string::npos) {
        continue;
      }
    } else {
      error = "redis launcher: " + exe + " not ready within " +
              std::to_string(options.start_timeout.count()) + " ms";
      proc->child_.kill(SIGKILL);
    }
    proc->stop();  // also removes the socket temp dir
    throw std::runtime_error(error + "; log " + proc->log_file_.string() + " ends with:\n" +
                             proc->log_tail());
  }
}

redis_process::~redis_process() {
  stop();
}

bool redis_process::running() {
  return child_.running();
}

void redis_process::stop() {
  child_.stop(std::chrono::seconds(5));
  if (!socket_temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(socket_temp_dir_, ec);
    socket_temp_dir_.clear();
  }
}

void redis_process::kill(int signal) {
  child_.kill(signal);
}

std::string redis_process::url() const {
  if (!unix_socket_.empty()) return "unix://" + unix_socket_;
  return "redis://" + host_ + ":" + std::to_string(port_);
}

std::string redis_process::log_tail(std::size_t max_bytes) const {
  return file_tail(log_file_, max_bytes);
}

}  // namespace lc::app
