// Churn: many visitors and agents joining, resuming, changing presence, transferring, closing
// and resetting their connections at random points, for a bounded time, against the real
// binary (built with ASan+UBSan in the README's test command). The server must never crash or
// report a sanitizer error, must stop cleanly, and must leave Redis consistent.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "tests/churn/churn_client.hpp"
#include "tests/support/redis_consistency.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tokens.hpp"

namespace lc::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* secret = "churn-test-secret-0123456789abcdef01";
constexpr std::uint32_t capacity = 3;

std::string token_for(const std::string& id, const std::vector<std::string>& departments) {
  return agent_token_for(secret, id, departments, capacity);
}

std::chrono::seconds churn_time() {
  const char* s = std::getenv("LIVECHAT_CHURN_SECONDS");
  return std::chrono::seconds(s != nullptr ? std::atoi(s) : 60);
}

TEST(Churn, RandomClientsNeverCrashTheServerAndLeaveRedisConsistent) {
  redis_fixture redis;
  server_options o;
  o.binary = LIVECHAT_BINARY;
  o.health_target = "/readyz";
  o.start_timeout = 60s;  // a sanitized binary starts slower
  o.args = {"--redis",
            redis.url(),
            "--secret",
            secret,
            "--node-id",
            "churn",
            "--log-level",
            "warn",
            "--match-interval-ms",
            "100",
            "--agent-grace-seconds",
            "1",
            "--visitor-grace-seconds",
            "2"};
  // Any sanitizer report ends the process with this code, and is kept in the log.
  o.env = {{"ASAN_OPTIONS", "exitcode=86:detect_leaks=1"},
           {"UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=87"}};
  auto server = server_process::start(o);

  const std::vector<std::string> departments{"billing", "tech"};
  const std::vector<std::string> agents{"ann", "ben", "cat"};
  const auto seed = static_cast<std::uint64_t>(std::random_device{}());
  RecordProperty("seed", std::to_string(seed));
  std::vector<std::unique_ptr<churn_client>> clients;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    churn_client::options c{
        "127.0.0.1",
        server->port(),
        agents[i],
        token_for(agents[i], i == 0 ? departments : std::vector<std::string>{departments[i % 2]}),
        agents,
        departments,
        seed + i};
    clients.push_back(std::make_unique<churn_client>(c));
  }
  for (int i = 0; i < 8; ++i) {
    churn_client::options c{"127.0.0.1",
                            server->port(),
                            "",
                            "",
                            agents,
                            departments,
                            seed + 100 + static_cast<std::uint64_t>(i)};
    clients.push_back(std::make_unique<churn_client>(c));
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0};
  std::vector<std::thread> threads;
  for (auto& c : clients) {
    threads.emplace_back([&, client = c.get()] { ops += client->run(stop); });
  }
  const auto deadline = std::chrono::steady_clock::now() + churn_time();
  while (std::chrono::steady_clock::now() < deadline && server->running()) {
    std::this_thread::sleep_for(200ms);
  }
  stop = true;
  for (auto& t : threads) t.join();
  std::printf("churn (seed %llu): %llu operations\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(ops.load()));

  ASSERT_TRUE(server->running()) << "the server died under churn:\n" << server->log_tail(16384);
  EXPECT_GT(ops.load(), 200u);
  EXPECT_EQ(server->get("/healthz").status, 200u);
  // A clean stop: drained, no sanitizer report (leaks included), exit code 0.
  server->kill(SIGTERM);
  auto status = server->wait_exit(30s);
  ASSERT_TRUE(status) << "did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "exit status " << *status << "\n"
                                                               << server->log_tail(16384);
  const auto log = server->log_tail(1 << 20);
  EXPECT_EQ(log.find("AddressSanitizer"), std::string::npos) << log;
  EXPECT_EQ(log.find("runtime error:"), std::string::npos) << log;
  EXPECT_EQ(log.find("LeakSanitizer"), std::string::npos) << log;

  for (const auto& problem : redis_inconsistencies(redis, capacity)) ADD_FAILURE() << problem;
}

}  // namespace
}  // namespace lc::test
