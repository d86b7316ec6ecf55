#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "server/app/subprocess.hpp"

namespace lc::app {

struct redis_launch_options {
  std::string redis_server = "redis-server";  // executable (PATH lookup)
  std::filesystem::path data_dir{};      // created 0700 if missing; holds AOF (0600) and the socket
  bool use_unix_socket = true;           // else a free loopback TCP port
  std::uint16_t port = 0;                // TCP only; 0 = pick a free port on 127.0.0.1
  std::string appendfsync = "everysec";  // always | everysec | no
  // Memory cap ("256mb"); past it writes fail (noeviction) rather than state being evicted.
  // Empty: no cap.
  std::string maxmemory{};
  std::chrono::milliseconds start_timeout{10000};
  std::string log_file{};  // empty: <data_dir>/redis.log
};

// A redis-server child process owned by this object: started by start(), stopped by the
// destructor. The child gets PR_SET_PDEATHSIG(SIGTERM), which Linux ties to the *thread* that
// forked it, so start it from a thread that outlives it (the main thread, or a gtest test body).
class redis_process {
 public:
  // Throws std::runtime_error with the reason (and the tail of the log) on failure or timeout.
  static std::unique_ptr<redis_process> start(const redis_launch_options& options);

  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;
  ~redis_process();

  // SIGTERM (Redis then fsyncs the AOF and exits), wait up to 5 s, then SIGKILL. Idempotent.
  void stop();
  // Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, ...). After SIGKILL the child is reaped before
  // returning, so the data dir and port are free for a restart.
  void kill(int signal);
  // False once the child has exited (checked without blocking).
  bool running();

  pid_t pid() const { return child_.pid(); }
  const std::string& host() const { return host_; }  // "127.0.0.1" (TCP), "" on a unix socket
  std::uint16_t port() const { return port_; }       // 0 when on a unix socket
  const std::string& unix_socket() const { return unix_socket_; }  // "" when TCP
  std::string url() const;  // "redis://127.0.0.1:port" or "unix:///path/redis.sock"
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& log_file() const { return log_file_; }
  // The last `max_bytes` of the log, for error messages.
  std::string log_tail(std::size_t max_bytes = 4096) const;

 private:
  redis_process() = default;

  child_process child_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::string unix_socket_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_file_;
  std::filesystem::path socket_temp_dir_;  // set when the socket could not live in data_dir
};

// Binds 127.0.0.1:0, reads the port the kernel chose, closes. Racy by nature: callers that
// launch something on it should retry when the bind fails.
std::uint16_t free_loopback_port();

// The last `max_bytes` of a file ("" when unreadable).
std::string file_tail(const std::filesystem::path& path, std::size_t max_bytes = 4096);

}  // namespace lc::app
