#include "server/app/subprocess.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lc::app {
namespace {

using std::chrono::steady_clock;

// Closes a descriptor on scope exit; only for the few raw fds below.
class fd_guard {
 public:
  explicit fd_guard(int fd = -1) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::string errno_text(int err) {
  return std::strerror(err);
}

// What the child was doing between fork and exec when it failed.
enum class child_step : int { chdir, setgroups, setgid, setuid, exec };

// The report a failing child writes to the error pipe.
struct child_failure {
  child_step step;
  int err;
};

const char* step_name(child_step step) {
  switch (step) {
    case child_step::chdir:
      return "chdir";
    case child_step::setgroups:
      return "setgroups";
    case child_step::setgid:
      return "setgid";
    case child_step::setuid:
      return "setuid";
    case child_step::exec:
      return "execve";
  }
  return "?";
}

}  // namespace

std::string find_executable(const std::string& name) {
  if (name.empty()) throw std::runtime_error("spawn: empty executable name");
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    if (dir.empty()) dir = ".";
    std::string candidate = dir;
    candidate.append("/").append(name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  throw std::runtime_error("executable '" + name + "' not found in PATH");
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  return "status " + std::to_string(status);
}

child_process child_process::spawn(const spawn_request& request) {
  // execvp and setenv are not async-signal-safe, so PATH lookup, argv and envp are all built
  // before fork; the child only makes raw system calls.
  const std::string exe = find_executable(request.executable);
  std::vector<std::string> arg_storage;
  arg_storage.reserve(request.args.size() + 1);
  arg_storage.push_back(exe);
  arg_storage.insert(arg_storage.end(), request.args.begin(), request.args.end());
  std::vector<char*> argv;
  argv.reserve(arg_storage.size() + 1);
  for (auto& a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_storage;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view key = entry.substr(0, entry.find('='));
    bool overridden = std::any_of(request.env.begin(), request.env.end(),
                                  [&](const auto& kv) { return kv.first == key; });
    bool dropped = std::any_of(request.drop_env_prefixes.begin(), request.drop_env_prefixes.end(),
                               [&](const std::string& prefix) { return key.starts_with(prefix); });
    if (!overridden && !dropped) env_storage.emplace_back(entry);
  }
  for (const auto& [k, v] : request.env)
    env_storage.push_back(std::string(k).append("=").append(v));
  std::vector<char*> envp;
  envp.reserve(env_storage.size() + 1);
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  fd_guard out_fd(request.output_file.empty()
                      ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                      : ::open(request.output_file.c_str(),
                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                               request.umask >= 0 ? 0666 & ~request.umask : 0644));
  if (out_fd.get() < 0) {
    throw std::runtime_error("spawn " + exe + ": cannot open output file " +
                             request.output_file.string() + ": " + errno_text(errno));
  }
  fd_guard null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("spawn " + exe + ": pipe2: " + errno_text(errno));
  }
  fd_guard err_read(pipe_fds[0]);
  fd_guard err_write(pipe_fds[1]);

  const pid_t parent = ::getpid();
  const int death_signal = request.death_signal;
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  const int fd_limit = static_cast<int>(std::min<long>(::sysconf(_SC_OPEN_MAX), 65536));

  const int child_umask = request.umask;
  const char* const working_dir =
      request.working_dir.empty() ? nullptr : request.working_dir.c_str();
  const bool set_uid = request.uid >= 0;
  const bool set_gid = request.gid >= 0;
  const bool drop_groups = (set_uid || set_gid) && ::geteuid() == 0;
  const auto uid = static_cast<uid_t>(request.uid);
  const gid_t gid = static_cast<gid_t>(request.gid);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("spawn " + exe + ": fork: " + errno_text(errno));
  if (pid == 0) {
    // Tells the parent which step failed and why; the pipe is closed by a successful exec.
    const auto fail = [&](child_step step) {
      const child_failure failure{step, errno};
      ssize_t ignored = ::write(err_write.get(), &failure, sizeof failure);
      (void)ignored;
      ::_exit(127);
    };
    // Raw system calls: glibc's wrappers broadcast the change to every thread under a lock,
    // and the child of a multi-threaded parent must take no locks. The child has one thread.
    // Groups first (root's supplementary groups must not survive into an unprivileged child),
    // then the gid while we may still change it, then the uid.
    if (drop_groups && ::syscall(SYS_setgroups, set_gid ? 1 : 0, set_gid ? &gid : nullptr) != 0) {
      fail(child_step::setgroups);
    }
    if (set_gid && ::syscall(SYS_setgid, gid) != 0) fail(child_step::setgid);
    if (set_uid && ::syscall(SYS_setuid, uid) != 0) fail(child_step::setuid);
    // As the new user, so a directory it may not enter fails here rather than later.
    if (working_dir != nullptr && ::chdir(working_dir) != 0) fail(child_step::chdir);
    // After the credential change: Linux clears PR_SET_PDEATHSIG when the uid or gid changes.
    if (death_signal != 0) {
      ::prctl(PR_SET_PDEATHSIG, death_signal);
      if (::getppid() != parent) ::_exit(126);  // the parent died before prctl took effect
    }
    // Ignored signals and blocked masks survive exec; children expect the defaults.
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
    }
    ::sigprocmask(SIG_SETMASK, &empty_mask, nullptr);
    if (child_umask >= 0) ::umask(static_cast<mode_t>(child_umask));
    if (null_fd.get() >= 0) ::dup2(null_fd.get(), STDIN_FILENO);
    ::dup2(out_fd.get(), STDOUT_FILENO);
    ::dup2(out_fd.get(), STDERR_FILENO);
    // Descriptors other threads opened without O_CLOEXEC must not leak into the child.
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0)
#endif
    {
      for (int fd = 3; fd < fd_limit; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::execve(argv[0], argv.data(), envp.data());
    fail(child_step::exec);
  }

  child_process child;
  child.pid_ = pid;
  // The pipe reads EOF once exec succeeded (O_CLOEXEC), or the failed step and its errno (one
  // write below PIPE_BUF, so one read).
  err_write.reset();
  child_failure failure{};
  ssize_t n;
  do {
    n = ::read(err_read.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    child.reap(true);
    const std::string reason = errno_text(failure.err);
    switch (failure.step) {
      case child_step::chdir:
        throw std::runtime_error("spawn " + exe + ": cannot chdir to " +
                                 request.working_dir.string() + ": " + reason);
      case child_step::setgroups:
      case child_step::setgid:
      case child_step::setuid:
        throw std::runtime_error(
            "spawn " + exe + ": cannot switch to uid " + std::to_string(request.uid) + " gid " +
            std::to_string(request.gid) + " (" + step_name(failure.step) + "): " + reason);
      case child_step::exec:
        break;
    }
    throw std::runtime_error("cannot execute '" + exe + "': " + reason);
  }
  return child;
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exited_(other.exited_), status_(other.status_) {}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    stop(std::chrono::seconds(5));
    pid_ = std::exchange(other.pid_, -1);
    exited_ = other.exited_;
    status_ = other.status_;
  }
  return *this;
}

child_process::~child_process() {
  stop(std::chrono::seconds(5));
}

void child_process::reap(bool block) {
  if (exited_ || pid_ <= 0) return;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exited_ = true;
    status_ = status;
  } else if (r < 0) {
    // ECHILD: a SIGCHLD handler elsewhere reaped it; either way it is gone.
    exited_ = true;
    status_ = 0;
  }
}

bool child_process::running() {
  reap(false);
  return pid_ > 0 && !exited_;
}

std::optional<int> child_process::exit_status() const {
  if (!exited_) return std::nullopt;
  return status_;
}

bool child_process::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (true) {
    reap(false);
    if (exited_ || pid_ <= 0) return true;
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void child_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  reap(false);
  if (exited_) return;
  ::kill(pid_, SIGTERM);
  ::kill(pid_, SIGCONT);  // a stopped child would never act on SIGTERM
  if (wait_for(grace)) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

void child_process::kill(int signal) {
  if (pid_ <= 0) return;
  reap(false);
  if (exited_) return;
  ::kill(pid_, signal);
  if (signal == SIGKILL) reap(true);
}

}  // namespace lc::app
