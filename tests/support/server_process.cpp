#include "tests/support/server_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "server/app/redis_launcher.hpp"
#include "server/app/subprocess.hpp"

namespace lc::test {

namespace {

// The port the server wrote once listening; 0 while the file is not there yet.
std::uint16_t read_port_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  unsigned port = 0;
  if (!(in >> port) || port == 0 || port > 65535) return 0;
  return static_cast<std::uint16_t>(port);
}

}  // namespace

std::unique_ptr<server_process> server_process::start(server_options options) {
  if (options.binary.empty()) throw std::runtime_error("server_process: no binary given");
  std::unique_ptr<server_process> proc(new server_process());
  char tmpl[] = "/tmp/lc-server-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    throw std::runtime_error(std::string("server_process: mkdtemp: ") + std::strerror(errno));
  }
  proc->temp_dir_ = tmpl;
  proc->log_file_ = options.log_file.empty() ? proc->temp_dir_ / "server.log" : options.log_file;

  // Port 0: the server binds any free port and writes it to the port file, so no port is picked
  // here that someone else could take first.
  const auto port_file = proc->temp_dir_ / "port";
  proc->port_ = options.port;
  std::vector<std::string> args = {"--listen", proc->host_, "--port", std::to_string(proc->port_)};
  if (options.port == 0) {
    args.emplace_back("--port-file");
    args.push_back(port_file.string());
  }
  // Tests run many clients from one loopback address; the tests of these bounds pass their own
  // values after these (the last occurrence of a flag wins).
  if (options.loose_client_limits) {
    args.insert(args.end(), {"--connections-per-address", "100000", "--joins-per-minute", "100000",
                             "--offline-messages-per-hour", "100000", "--max-queued-per-address",
                             "100000", "--messages-per-second", "100000"});
  }
  args.insert(args.end(), options.args.begin(), options.args.end());
  if (std::find(options.args.begin(), options.args.end(), "--postgres") == options.args.end()) {
    proc->postgres_ = pg_fixture::start();
    args.insert(args.end(), {"--postgres", proc->postgres_->url()});
  }

  const auto fail = [&](const std::string& why) {
    proc->child_.stop(std::chrono::seconds(5));
    std::string message = "server_process: " + options.binary + " " + why + "; log " +
                          proc->log_file_.string() + " ends with:\n" + proc->log_tail();
    return std::runtime_error(message);
  };

  try {
    if (options.uid >= 0 && ::chown(proc->temp_dir_.c_str(), static_cast<uid_t>(options.uid),
                                    static_cast<gid_t>(options.gid)) != 0) {
      throw std::runtime_error("cannot hand the temp dir to uid " + std::to_string(options.uid));
    }
    proc->child_ = app::child_process::spawn({.executable = options.binary,
                                              .args = args,
                                              .env = options.env,
                                              .output_file = proc->log_file_,
                                              .uid = options.uid,
                                              .gid = options.gid});
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("server_process: ") + e.what());
  }

  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  std::string last_problem = "no answer";
  while (true) {
    if (!proc->child_.running()) {
      throw fail("exited during startup (" +
                 app::describe_wait_status(proc->child_.exit_status().value_or(0)) + ")");
    }
    if (proc->port_ == 0) proc->port_ = read_port_file(port_file);
    try {
      if (proc->port_ == 0) throw std::runtime_error("not listening yet");
      auto r = http_get(proc->host_, proc->port_, options.health_target, {},
                        std::chrono::milliseconds(1000));
      if (r.status == 200) return proc;
      last_problem = options.health_target + " answered " + std::to_string(r.status);
    } catch (const std::exception& e) {
      last_problem = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw fail("not healthy within " + std::to_string(options.start_timeout.count()) +
                 " ms (last: " + last_problem + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

server_process::~server_process() {
  stop();
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

void server_process::stop(std::chrono::milliseconds grace) {
  if (!child_.running()) return;
  child_.stop(grace);
  // A server that had to be killed, or died on a signal, is worth a look at its log.
  auto status = child_.exit_status();
  if (status && !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)) {
    std::cerr << "[server_process] pid " << child_.pid() << " ended with "
              << app::describe_wait_status(*status) << "; log tail:\n"
              << log_tail(4096) << std::endl;
  }
}

void server_process::kill(int signal) {
  child_.kill(signal);
}

std::optional<int> server_process::wait_exit(std::chrono::milliseconds timeout) {
  child_.wait_for(timeout);
  return child_.exit_status();
}

std::string server_process::log_tail(std::size_t max_bytes) const {
  return app::file_tail(log_file_, max_bytes);
}

}  // namespace lc::test
