#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/app/subprocess.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg_fixture.hpp"

namespace lc::test {

struct server_options {
  std::string binary{};  // path of the livechat executable (LIVECHAT_BINARY in e2e tests)
  std::vector<std::string> args{};  // extra flags; --listen/--port are added
  bool loose_client_limits = true;  // per-address and join limits out of the way (see .cpp)
  std::vector<std::pair<std::string, std::string>> env{};  // on top of the test's environment
  std::uint16_t port = 0;  // 0: the server binds any free port and reports it (--port-file)
  std::chrono::milliseconds start_timeout{20000};  // until GET /healthz answers 200
  std::filesystem::path log_file{};  // stdout+stderr; empty = a temp file removed with the object
  std::string health_target = "/healthz";
  int uid = -1, gid = -1;  // run as this user (when we are root); -1: as we are
};

// Servers started without "--postgres" among their args get a private PostgreSQL of their own
// (a pg_fixture, stopped after them), so no test initdb's an embedded one in a working dir.

// The real server binary as a child process for end-to-end tests, with its output captured.
class server_process {
 public:
  // Starts `binary --listen 127.0.0.1 --port N <args>` and waits until the health target
  // answers 200.
  // Throws std::runtime_error with the log tail when it exits early or is not healthy in time.
  static std::unique_ptr<server_process> start(server_options options);

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process();

  // SIGTERM, then SIGKILL after `grace`. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Sends `signal` (SIGKILL to crash it, SIGSTOP/SIGCONT to freeze it).
  void kill(int signal);
  bool running() { return child_.running(); }
  // Waits up to `timeout` for a graceful exit; the waitpid status once it has exited.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  pid_t pid() const { return child_.pid(); }
  const std::string& host() const { return host_; }  // "127.0.0.1"
  std::uint16_t port() const { return port_; }
  std::string http_url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  std::string ws_url(const std::string& path = "/ws") const {
    return "ws://" + host_ + ":" + std::to_string(port_) + path;
  }
  const std::filesystem::path& log_file() const { return log_file_; }
  // The private PostgreSQL it was given, or null when the caller passed --postgres.
  pg_fixture* postgres() { return postgres_.get(); }
  std::string log_tail(std::size_t max_bytes = 8192) const;

  http_response get(const std::string& target, const http_headers& headers = {}) const {
    return http_get(host_, port_, target, headers);
  }

 private:
  server_process() = default;

  std::unique_ptr<pg_fixture> postgres_;  // only when the caller gave no --postgres
  app::child_process child_;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::filesystem::path log_file_;
  std::filesystem::path temp_dir_;  // the port file, and log_file_ when the caller gave none
};

}  // namespace lc::test
