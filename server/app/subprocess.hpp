#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lc::app {

struct spawn_request {
  std::string executable{};                                // PATH lookup when it contains no '/'
  std::vector<std::string> args{};                         // argv[1..]
  std::vector<std::pair<std::string, std::string>> env{};  // set/override on top of ours
  std::filesystem::path output_file{};  // stdout and stderr appended here; empty = /dev/null
  int death_signal = SIGTERM;           // sent to the child when the spawning thread dies; 0 = none
  int umask = -1;  // the child's file-creation mask (e.g. 077: files 0600); -1 = inherit ours
  // Credentials for the child (switching needs root): supplementary groups become just `gid`
  // (none when only `uid` is set), then setgid, then setuid. -1 = unchanged.
  int uid = -1;
  int gid = -1;
  std::filesystem::path working_dir{};  // chdir here, as the new user; empty = inherit ours
  // Variables whose names start with one of these are not passed on from our environment
  // (`env` above still sets them), e.g. "PG" so a stray PGDATA or PGPORT cannot redirect a child.
  std::vector<std::string> drop_env_prefixes{};
};

// A child process we started and must reap: stop() or the destructor ends it, so no test or
// server run leaks processes. Not thread-safe; one owner.
class child_process {
 public:
  // fork + execve with only async-signal-safe calls in between (the parent may be a
  // multi-threaded test binary): signals reset to defaults, stdin from /dev/null, other fds
  // closed on exec. Throws std::runtime_error naming the executable when it cannot be found or
  // executed, or the child cannot chdir or switch credentials (reported back through a CLOEXEC
  // pipe, so this is immediate, not a timeout).
  // PR_SET_PDEATHSIG is tied to the *thread* that forks: spawn from a long-lived thread.
  static child_process spawn(const spawn_request& request);

  child_process() = default;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  pid_t pid() const { return pid_; }
  // False once the child has exited (reaps it without blocking).
  bool running();
  // The raw waitpid status once exited.
  std::optional<int> exit_status() const;
  // Waits up to `timeout` for the child to exit; true when it has.
  bool wait_for(std::chrono::milliseconds timeout);
  // SIGTERM (+SIGCONT in case it is stopped), wait up to `grace`, then SIGKILL. Idempotent.
  void stop(std::chrono::milliseconds grace);
  // Sends `signal` unless the child was already reaped (its pid may be recycled). After
  // SIGKILL the child is reaped before returning.
  void kill(int signal);

 private:
  void reap(bool block);

  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// Human-readable waitpid status: "exit code 1", "signal 9 (Killed)".
std::string describe_wait_status(int status);

// Resolves `name` against PATH like execvp would; throws std::runtime_error when absent.
std::string find_executable(const std::string& name);

}  // namespace lc::app
