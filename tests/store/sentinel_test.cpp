// The command connection finds the primary through Redis Sentinel and follows a failover.
#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <fstream>
#include <thread>

#include "server/app/redis_launcher.hpp"
#include "server/app/subprocess.hpp"
#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

using namespace std::chrono_literals;

// A sentinel process watching `primary`, configured for a fast failover.
class sentinel_process {
 public:
  sentinel_process(const temp_dir& dir, std::uint16_t primary_port) {
    // A sentinel cannot be told to bind any free port and report it: pick one, and pick again
    // if someone took it before the sentinel bound it (it then exits at once).
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (try_start(dir, primary_port)) return;
    }
    throw std::runtime_error("sentinel did not start");
  }
  ~sentinel_process() { child_.stop(2s); }
  std::uint16_t port() const { return port_; }

 private:
  bool try_start(const temp_dir& dir, std::uint16_t primary_port) {
    port_ = app::free_loopback_port();
    auto conf = dir.path() / "sentinel.conf";
    std::ofstream(conf) << "port " << port_ << "\nbind 127.0.0.1\nprotected-mode no\n"
                        << "dir " << dir.path().string() << "\n"
                        << "sentinel monitor mymaster 127.0.0.1 " << primary_port << " 1\n"
                        << "sentinel down-after-milliseconds mymaster 1000\n"
                        << "sentinel failover-timeout mymaster 3000\n";
    app::spawn_request req;
    req.executable = "redis-server";
    req.args = {conf.string(), "--sentinel"};
    req.output_file = dir.path() / "sentinel.log";
    child_ = app::child_process::spawn(req);
    for (int i = 0; i < 100 && child_.running(); ++i) {
      try {
        resp_client c("127.0.0.1", port_);
        if (c.call({"PING"}).to_string() == "PONG") return true;
      } catch (...) {
      }
      std::this_thread::sleep_for(50ms);
    }
    child_.stop(2s);
    return false;
  }
  std::uint16_t port_ = 0;
  app::child_process child_;
};

TEST(Sentinel, ConnectsToThePrimaryItReportsAndFollowsAFailoverWhenItDies) {
  redis_fixture primary;
  redis_fixture replica;
  replica.command({"REPLICAOF", "127.0.0.1", std::to_string(primary.port())});
  for (int i = 0; i < 100 && primary.command({"INFO", "replication"}).find("connected_slaves:1") ==
                                 std::string::npos;
       ++i) {
    std::this_thread::sleep_for(50ms);
  }
  temp_dir dir;
  sentinel_process sentinel(dir, primary.port());

  boost::asio::io_context io;
  store::endpoint ep;
  ep.sentinels = {{"127.0.0.1", sentinel.port()}};
  ep.master_name = "mymaster";
  store::redis_connection conn(io, ep, 2s, store::functions_source);
  conn.start();
  store::chat_store db(conn);
  auto run = [&](auto t) {
    auto f = boost::asio::co_spawn(io, std::move(t), boost::asio::use_future);
    for (int i = 0; i < 2000 && f.wait_for(0s) != std::future_status::ready; ++i) {
      io.run_for(5ms);
    }
    return f.get();
  };
  for (int i = 0; i < 400 && !conn.ready(); ++i) io.run_for(5ms);
  ASSERT_TRUE(conn.ready());
  EXPECT_GT(run(db.lease("n1", std::chrono::minutes(1), 0)), 0);
  EXPECT_EQ(primary.command({"EXISTS", "lc:node:n1"}), "1");

  // The sentinel learns about replicas from the primary's INFO; wait until it knows ours.
  resp_client sentinel_cli("127.0.0.1", sentinel.port());
  bool replica_known = false;
  for (int i = 0; i < 100 && !replica_known; ++i) {
    auto replicas = sentinel_cli.call({"SENTINEL", "REPLICAS", "mymaster"});
    replica_known =
        !replicas.elements.empty() && replicas.to_string().find("s_down") == std::string::npos;
    if (!replica_known) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(replica_known) << "sentinel never saw the replica";
  // The primary dies; the sentinel notices (down-after 1 s) and promotes the replica.
  primary.process().kill(SIGKILL);
  // Writes fail (unavailable) until the connection has followed the new primary; a client
  // retries them.
  bool written = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!written && std::chrono::steady_clock::now() < deadline) {
    try {
      run(db.lease("n2", std::chrono::minutes(1), 0));
      // A fresh connection: Redis closes its clients when a failover changes its role.
      written =
          resp_client("127.0.0.1", replica.port()).call({"EXISTS", "lc:node:n2"}).integer == 1;
    } catch (const store::store_error& e) {
      EXPECT_EQ(e.code(), livechat::v1::ERROR_CODE_UNAVAILABLE) << e.what();
    }
    if (!written) io.run_for(100ms);
  }
  EXPECT_TRUE(written) << "no write reached the promoted replica";
  EXPECT_NE(resp_client("127.0.0.1", replica.port())
                .call({"INFO", "replication"})
                .text.find("role:master"),
            std::string::npos);
}

}  // namespace
}  // namespace lc::test
