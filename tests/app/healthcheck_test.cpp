#include "server/app/healthcheck.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "server/app/subprocess.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_process.hpp"

namespace lc::app {
namespace {

using env_map = std::map<std::string, std::string>;

healthcheck_parse_result parse(std::vector<std::string> args, env_map env = {}) {
  return parse_healthcheck_args(args, [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

healthcheck_request parse_ok(std::vector<std::string> args, env_map env = {}) {
  auto r = parse(std::move(args), std::move(env));
  EXPECT_TRUE(r.error.empty()) << r.error;
  return r.request.value_or(healthcheck_request{});
}

// Issue 14: the image's shell HEALTHCHECK guessed the port from LIVECHAT_LISTEN and broke on a
// listen address without a port, a non-loopback host or a port given as a flag.
TEST(Healthcheck, ReadsTheServersConfiguration) {
  auto d = parse_ok({});
  EXPECT_EQ(d.host, "127.0.0.1");
  EXPECT_EQ(d.port, 8080);
  EXPECT_EQ(d.target, "/readyz");
  auto wild = parse_ok({}, {{"LIVECHAT_LISTEN", "0.0.0.0:9000"}});
  EXPECT_EQ(wild.host, "127.0.0.1");
  EXPECT_EQ(wild.port, 9000);
  EXPECT_EQ(parse_ok({}, {{"LIVECHAT_LISTEN", "0.0.0.0"}}).port, 8080) << "no port: the default";
  EXPECT_EQ(parse_ok({}, {{"LIVECHAT_LISTEN", "[::]:9001"}}).host, "::1");
  auto host = parse_ok({"--listen", "10.1.2.3:7000"});
  EXPECT_EQ(host.host, "10.1.2.3");
  EXPECT_EQ(host.port, 7000);
  // The flag beats the environment, and --port the port of --listen, as for the server.
  EXPECT_EQ(parse_ok({"--port", "7100"}, {{"LIVECHAT_LISTEN", "0.0.0.0:9000"}}).port, 7100);
  EXPECT_EQ(parse_ok({"--port=7200"}, {{"LIVECHAT_PORT", "7300"}}).port, 7200);
  // Unrelated server settings are accepted (the container's environment has them all).
  EXPECT_TRUE(parse({}, {{"LIVECHAT_REDIS", "redis://redis:6379"},
                         {"LIVECHAT_SECRET", "0123456789abcdef0123456789abcdef"}})
                  .request);
  auto live = parse_ok({"--liveness", "--timeout-ms", "250"});
  EXPECT_EQ(live.target, "/healthz");
  EXPECT_EQ(live.timeout, std::chrono::milliseconds(250));
}

TEST(Healthcheck, BadArgumentsAndPortZero) {
  EXPECT_TRUE(parse({"--help"}).show_help);
  EXPECT_NE(parse({"--timeout-ms", "0"}).error.find("--timeout-ms"), std::string::npos);
  EXPECT_NE(parse({"--frobnicate", "1"}).error.find("--frobnicate"), std::string::npos);
  EXPECT_NE(parse({}, {{"LIVECHAT_PORT", "x"}}).error.find("LIVECHAT_PORT"), std::string::npos);
  EXPECT_NE(parse({"--port", "0"}).error.find("--port-file"), std::string::npos);
  test::temp_dir dir("lc-hc");
  const auto file = (dir.path() / "port").string();
  EXPECT_FALSE(parse({"--port", "0", "--port-file", file}).request) << "not written yet";
  std::ofstream(file) << "43210\n";
  EXPECT_EQ(parse_ok({"--port", "0", "--port-file", file}).port, 43210);
}

// A loopback listener that answers each connection with `reply` (or nothing, when empty).
class fake_listener {
 public:
  explicit fake_listener(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[1024];
      (void)::recv(c, buf, sizeof buf, 0);
      if (!reply_.empty()) (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ::close(c);
    });
  }
  ~fake_listener() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Healthcheck, ProbeStatusRefusalAndTimeout) {
  std::string error;
  {
    fake_listener ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(probe_http({"127.0.0.1", ok.port(), "/readyz", std::chrono::seconds(2)}, error), 200)
        << error;
  }
  {
    fake_listener unready("HTTP/1.1 503 Service Unavailable\r\n\r\n");
    EXPECT_EQ(probe_http({"127.0.0.1", unready.port(), "/readyz", std::chrono::seconds(2)}, error),
              503);
  }
  {
    // Accepts and never answers (a frozen process): bounded by the timeout.
    fake_listener silent("");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(
        probe_http({"127.0.0.1", silent.port(), "/readyz", std::chrono::milliseconds(300)}, error),
        0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_FALSE(error.empty());
  }
  std::uint16_t closed_port = 0;
  {
    fake_listener gone("");
    closed_port = gone.port();
  }
  EXPECT_EQ(probe_http({"127.0.0.1", closed_port, "/readyz", std::chrono::seconds(1)}, error), 0);
  EXPECT_NE(error.find("connect"), std::string::npos) << error;
}

// `livechat healthcheck` exit code (waitpid status decoded) with `args` and extra environment.
int run_healthcheck(std::vector<std::string> args,
                    std::vector<std::pair<std::string, std::string>> env = {}) {
  spawn_request req;
  req.executable = LC_LIVECHAT_BINARY;
  req.args = {"healthcheck"};
  req.args.insert(req.args.end(), args.begin(), args.end());
  req.env = std::move(env);
  req.drop_env_prefixes = {"LIVECHAT_"};
  auto child = child_process::spawn(req);
  EXPECT_TRUE(child.wait_for(std::chrono::seconds(10)));
  auto status = child.exit_status();
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

// The real binary against a real node: 200 from /readyz while Redis is up, 1 once it is gone
// (while /healthz, --liveness, still answers), 1 when nothing listens.
TEST(Healthcheck, SubcommandAgainstARunningServer) {
  test::redis_fixture redis;
  test::server_options o;
  o.binary = LC_LIVECHAT_BINARY;
  o.args = {"--redis",     redis.url(), "--secret", "healthcheck-test-secret-0123456789abcdef",
            "--log-level", "warn"};
  o.health_target = "/readyz";
  auto node = test::server_process::start(o);
  const std::string port = std::to_string(node->port());
  EXPECT_EQ(run_healthcheck({"--port", port}), 0);
  EXPECT_EQ(run_healthcheck({}, {{"LIVECHAT_LISTEN", "0.0.0.0:" + port}}), 0)
      << "a wildcard listen address probes loopback";
  EXPECT_EQ(run_healthcheck({"--liveness", "--port", port}), 0);
  redis.process().stop();
  bool unready = false;
  for (int i = 0; i < 50 && !unready; ++i) {
    unready = run_healthcheck({"--port", port, "--timeout-ms", "1000"}) == 1;
    if (!unready) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(unready) << "/readyz must fail without Redis";
  EXPECT_EQ(run_healthcheck({"--liveness", "--port", port}), 0);
  node->stop();
  EXPECT_EQ(run_healthcheck({"--port", port, "--timeout-ms", "500"}), 1);
  EXPECT_EQ(run_healthcheck({"--timeout-ms", "x"}), 1) << "a usage error is unhealthy, not 2";
}

}  // namespace
}  // namespace lc::app
