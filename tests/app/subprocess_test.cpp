#include "server/app/subprocess.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

#include "server/app/redis_launcher.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_process.hpp"

namespace lc::app {
namespace {

using namespace std::chrono_literals;
using test::temp_dir;

std::string read_file(const std::filesystem::path& p) {
  return file_tail(p, 1 << 20);
}

TEST(Subprocess, CapturesOutputExitCodeAndEnvironment) {
  temp_dir dir("lc-proc");
  auto child = child_process::spawn({.executable = "sh",
                                     .args = {"-c", "echo out:$LC_TEST_VAR; echo err >&2; exit 3"},
                                     .env = {{"LC_TEST_VAR", "42"}},
                                     .output_file = dir.path() / "out.log"});
  ASSERT_TRUE(child.wait_for(5s));
  ASSERT_TRUE(child.exit_status());
  EXPECT_TRUE(WIFEXITED(*child.exit_status()));
  EXPECT_EQ(WEXITSTATUS(*child.exit_status()), 3);
  EXPECT_EQ(describe_wait_status(*child.exit_status()), "exit code 3");
  EXPECT_EQ(read_file(dir.path() / "out.log"), "out:42\nerr\n");
}

TEST(Subprocess, MissingExecutableThrowsImmediately) {
  EXPECT_THROW(child_process::spawn({.executable = "/no/such/binary"}), std::runtime_error);
  EXPECT_THROW(child_process::spawn({.executable = "no-such-binary-anywhere"}), std::runtime_error);
  temp_dir dir("lc-proc");
  const auto not_executable = dir.path() / "data.txt";
  std::ofstream(not_executable) << "x";
  try {
    child_process::spawn({.executable = not_executable.string()});
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
  }
}

TEST(Subprocess, StopEscalatesToSigkillWhenSigtermIsIgnored) {
  auto child = child_process::spawn(
      {.executable = "sh", .args = {"-c", "trap '' TERM; while :; do sleep 0.05; done"}});
  std::this_thread::sleep_for(100ms);  // let the shell install its trap
  const auto t0 = std::chrono::steady_clock::now();
  child.stop(300ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  ASSERT_TRUE(child.exit_status());
  EXPECT_TRUE(WIFSIGNALED(*child.exit_status()));
  EXPECT_EQ(WTERMSIG(*child.exit_status()), SIGKILL);
}

TEST(Subprocess, IgnoredSignalsAreResetForTheChild) {
  // gtest (or the server) may ignore SIGPIPE/SIGTERM; the child must still die on SIGTERM.
  struct sigaction old {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGTERM, &ignore, &old);
  auto child = child_process::spawn({.executable = "sleep", .args = {"30"}});
  ::sigaction(SIGTERM, &old, nullptr);
  child.stop(5s);
  ASSERT_TRUE(child.exit_status());
  EXPECT_TRUE(WIFSIGNALED(*child.exit_status()));
  EXPECT_EQ(WTERMSIG(*child.exit_status()), SIGTERM);
}

// The uid and gid of `nobody`, or nullopt when it does not exist.
std::optional<std::pair<int, int>> nobody_ids() {
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr) return std::nullopt;
  return std::pair{static_cast<int>(pw->pw_uid), static_cast<int>(pw->pw_gid)};
}

TEST(Subprocess, RunsTheChildAsAnotherUserWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  const auto ids = nobody_ids();
  if (!ids) GTEST_SKIP() << "no user 'nobody'";
  temp_dir dir("lc-proc");
  // `id -G` lists the supplementary groups: root's must be gone, only nobody's gid left.
  auto child = child_process::spawn({.executable = "sh",
                                     .args = {"-c", "id -u; id -g; id -G"},
                                     .output_file = dir.path() / "out.log",
                                     .uid = ids->first,
                                     .gid = ids->second});
  ASSERT_TRUE(child.wait_for(5s));
  EXPECT_EQ(describe_wait_status(*child.exit_status()), "exit code 0");
  const std::string uid = std::to_string(ids->first);
  const std::string gid = std::to_string(ids->second);
  EXPECT_EQ(read_file(dir.path() / "out.log"), uid + "\n" + gid + "\n" + gid + "\n");
}

TEST(Subprocess, DeathSignalSurvivesTheUserSwitch) {
  // Linux clears PR_SET_PDEATHSIG on a credential change, so it must be set after setuid.
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  const auto ids = nobody_ids();
  if (!ids) GTEST_SKIP() << "no user 'nobody'";
  child_process child;
  std::thread spawner([&] {
    child = child_process::spawn(
        {.executable = "sleep", .args = {"30"}, .uid = ids->first, .gid = ids->second});
  });
  spawner.join();  // the forking thread is gone: the kernel sends the death signal
  ASSERT_TRUE(child.wait_for(5s)) << "the child outlived the thread that spawned it";
  ASSERT_TRUE(child.exit_status());
  EXPECT_TRUE(WIFSIGNALED(*child.exit_status()));
  EXPECT_EQ(WTERMSIG(*child.exit_status()), SIGTERM);
}

TEST(Subprocess, ChdirAndCredentialFailuresAreReportedImmediately) {
  try {
    child_process::spawn({.executable = "true", .working_dir = "/no/such/dir"});
    ADD_FAILURE() << "spawned into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot chdir to /no/such/dir"), std::string::npos)
        << e.what();
  }
  if (::geteuid() == 0) return;  // root may become anyone
  try {
    child_process::spawn({.executable = "true", .uid = 0, .gid = 0});
    ADD_FAILURE() << "an unprivileged parent switched its child to root";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot switch to uid 0"), std::string::npos) << e.what();
  }
}

TEST(Subprocess, WorkingDirAndDroppedEnvironment) {
  temp_dir dir("lc-proc");
  ::setenv("LC_DROP_ME", "leaked", 1);
  auto child = child_process::spawn(
      {.executable = "sh",
       .args = {"-c", "pwd; echo ${LC_DROP_ME-unset} ${LC_DROP_SET-unset}"},
       .env = {{"LC_DROP_SET", "set"}},  // an explicit value is kept even under a dropped prefix
       .output_file = dir.path() / "out.log",
       .working_dir = dir.path(),
       .drop_env_prefixes = {"LC_DROP"}});
  ::unsetenv("LC_DROP_ME");
  ASSERT_TRUE(child.wait_for(5s));
  EXPECT_EQ(read_file(dir.path() / "out.log"),
            std::filesystem::canonical(dir.path()).string() + "\nunset set\n");
}

// A stand-in for the livechat binary: serves /healthz (after a delay) on --port.
constexpr const char* fake_server = R"PY(
import http.server, sys, time, os
port = int(sys.argv[sys.argv.index('--port') + 1])
host = sys.argv[sys.argv.index('--listen') + 1]
print('fake server starting on', host, port, 'mode', os.environ.get('FAKE_MODE'), flush=True)
if os.environ.get('FAKE_MODE') == 'crash':
    sys.exit(7)
time.sleep(0.3)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/healthz':
            body = b'ok'
            self.send_response(200)
        elif self.path == '/echo':
            body = self.headers.get('X-Test', '').encode()
            self.send_response(200)
        else:
            body = b'nope'
            self.send_response(404)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('X-Served-By', 'fake')
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
server = http.server.HTTPServer((host, port), H)
if '--port-file' in sys.argv:  # port 0: report the one the system chose, as livechat does
    path = sys.argv[sys.argv.index('--port-file') + 1]
    with open(path + '.tmp', 'w') as f:
        f.write('%d\n' % server.server_address[1])
    os.rename(path + '.tmp', path)
server.serve_forever()
)PY";

class ServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      python_ = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3"
                                                            : find_executable("python3");
    } catch (const std::exception&) {
      GTEST_SKIP() << "python3 not available for the fake server";
    }
    script_ = dir_.path() / "fake_server.py";
    std::ofstream(script_) << fake_server;
    wrapper_ = dir_.path() / "fake_server.sh";
    std::ofstream(wrapper_) << "#!/bin/sh\nexec " << python_ << " " << script_.string()
                            << " \"$@\"\n";
    std::filesystem::permissions(wrapper_, std::filesystem::perms::owner_all);
  }

  temp_dir dir_{"lc-srv"};
  std::string python_;
  std::filesystem::path script_;
  std::filesystem::path wrapper_;
};

TEST_F(ServerProcess, StartsWaitsForHealthAndStops) {
  auto server = test::server_process::start(
      {.binary = wrapper_.string(), .args = {"--extra"}, .env = {{"FAKE_MODE", "ok"}}});
  EXPECT_TRUE(server->running());
  EXPECT_EQ(server->host(), "127.0.0.1");
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->http_url(), "http://127.0.0.1:" + std::to_string(server->port()));

  auto health = server->get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");
  EXPECT_EQ(health.headers["x-served-by"], "fake");
  auto echo = test::http_get("127.0.0.1", server->port(), "/echo", {{"X-Test", "hi there"}});
  EXPECT_EQ(echo.body, "hi there");
  EXPECT_EQ(test::http_get("localhost", server->port(), "/missing").status, 404);
  EXPECT_NE(server->log_tail().find("mode ok"), std::string::npos) << server->log_tail();

  const pid_t pid = server->pid();
  server->stop();
  EXPECT_FALSE(server->running());
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_THROW(test::http_get("127.0.0.1", server->port(), "/healthz", {}, 1s), std::exception);
}

TEST_F(ServerProcess, EarlyExitReportsTheLog) {
  try {
    test::server_process::start({.binary = wrapper_.string(), .env = {{"FAKE_MODE", "crash"}}});
    ADD_FAILURE() << "started";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exit code 7"), std::string::npos) << what;
    EXPECT_NE(what.find("mode crash"), std::string::npos) << what;
  }
}

TEST_F(ServerProcess, UnhealthyServerTimesOut) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    test::server_process::start(
        {.binary = wrapper_.string(), .start_timeout = 1500ms, .health_target = "/not-healthz"});
    ADD_FAILURE() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("answered 404"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST_F(ServerProcess, KillCrashesIt) {
  auto server = test::server_process::start({.binary = wrapper_.string()});
  server->kill(SIGKILL);
  EXPECT_FALSE(server->running());
  auto status = server->wait_exit(1s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
}

TEST(HttpClient, ConnectionRefusedThrows) {
  const auto port = free_loopback_port();
  EXPECT_THROW(test::http_get("127.0.0.1", port, "/", {}, 2s), std::runtime_error);
}

}  // namespace
}  // namespace lc::app
