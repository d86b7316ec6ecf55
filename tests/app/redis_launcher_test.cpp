#include "server/app/redis_launcher.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/redis_fixture.hpp"
#include "tests/support/resp_client.hpp"

namespace lc::app {
namespace {

using namespace std::chrono_literals;
using test::resp_client;
using test::temp_dir;

resp_client connect_to(const redis_process& r) {
  return resp_client(r.host(), r.port(), r.unix_socket());
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

std::size_t aof_bytes(const std::filesystem::path& data_dir) {
  std::size_t total = 0;
  const auto dir = data_dir / "appendonlydir";
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".aof") total += std::filesystem::file_size(e.path());
  }
  return total;
}

TEST(RedisLauncher, StartsOnUnixSocketWithAofOn) {
  temp_dir dir("lc-launch");
  auto redis = redis_process::start({.data_dir = dir.path() / "data", .use_unix_socket = true});
  EXPECT_GT(redis->pid(), 0);
  EXPECT_EQ(redis->port(), 0);
  EXPECT_EQ(redis->unix_socket(), (dir.path() / "data" / "redis.sock").string());
  EXPECT_EQ(redis->url(), "unix://" + redis->unix_socket());
  struct stat st {};
  ASSERT_EQ(::stat(redis->unix_socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));

  auto client = connect_to(*redis);
  EXPECT_EQ(client.call({"PING"}).to_string(), "PONG");
  EXPECT_EQ(client.call({"CONFIG", "GET", "appendonly"}).to_list(),
            (std::vector<std::string>{"appendonly", "yes"}));
  EXPECT_EQ(client.call({"CONFIG", "GET", "appendfsync"}).to_list(),
            (std::vector<std::string>{"appendfsync", "everysec"}));
  EXPECT_EQ(client.call({"CONFIG", "GET", "save"}).to_list(),
            (std::vector<std::string>{"save", ""}));
  EXPECT_EQ(client.call({"CONFIG", "GET", "dir"}).to_list()[1],
            std::filesystem::canonical(dir.path() / "data").string());
  // TCP is off when serving on a socket.
  EXPECT_EQ(client.call({"CONFIG", "GET", "port"}).to_list()[1], "0");
}

TEST(RedisLauncher, StartsOnFreeTcpPort) {
  temp_dir dir("lc-launch");
  auto redis = redis_process::start(
      {.data_dir = dir.path(), .use_unix_socket = false, .appendfsync = "always"});
  EXPECT_EQ(redis->host(), "127.0.0.1");
  EXPECT_NE(redis->port(), 0);
  EXPECT_EQ(redis->unix_socket(), "");
  EXPECT_EQ(redis->url(), "redis://127.0.0.1:" + std::to_string(redis->port()));
  auto client = connect_to(*redis);
  EXPECT_EQ(client.call({"CONFIG", "GET", "appendonly"}).to_list()[1], "yes");
  EXPECT_EQ(client.call({"CONFIG", "GET", "appendfsync"}).to_list()[1], "always");
  EXPECT_EQ(client.call({"CONFIG", "GET", "bind"}).to_list()[1], "127.0.0.1");
}

TEST(RedisLauncher, WritesLandInTheAppendOnlyFile) {
  temp_dir dir("lc-launch");
  auto redis = redis_process::start({.data_dir = dir.path(), .appendfsync = "always"});
  const std::size_t before = aof_bytes(dir.path());
  auto client = connect_to(*redis);
  EXPECT_EQ(client.call({"SET", "conversation:1", "hello"}).to_string(), "OK");
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "appendonlydir"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "appendonlydir" / "appendonly.aof.manifest"));
  EXPECT_GT(aof_bytes(dir.path()), before);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "redis.log"));
}

// The AOF holds every conversation: it and its directory are the server user's alone.
TEST(RedisLauncher, DataFilesAreForTheOwnerOnly) {
  temp_dir dir("lc-launch");
  const auto data = dir.path() / "data";
  auto redis = redis_process::start({.data_dir = data, .appendfsync = "always"});
  auto client = connect_to(*redis);
  EXPECT_EQ(client.call({"SET", "k", "v"}).to_string(), "OK");
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(data).permissions() & fs::perms::all, fs::perms::owner_all);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(e.status().permissions() & (fs::perms::group_all | fs::perms::others_all),
              fs::perms::none)
        << e.path();
  }
  EXPECT_GE(files, 2) << "the AOF and the log";
}

TEST(RedisLauncher, MaxmemoryRefusesWritesInsteadOfEvicting) {
  temp_dir dir("lc-launch");
  auto redis = redis_process::start({.data_dir = dir.path(), .maxmemory = "4mb"});
  auto client = connect_to(*redis);
  const auto policy = client.call({"CONFIG", "GET", "maxmemory-policy"});
  ASSERT_EQ(policy.elements.size(), 2u);
  EXPECT_EQ(policy.elements[1].to_string(), "noeviction");
  const std::string blob(64 * 1024, 'x');
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    auto r = client.call({"SET", "k" + std::to_string(i), blob});
    refused = r.is_error() && r.to_string().find("OOM") != std::string::npos;
  }
  EXPECT_TRUE(refused) << "writes past maxmemory fail with OOM";
  EXPECT_EQ(client.call({"GET", "k0"}).to_string(), blob) << "nothing was evicted";
}

TEST(RedisLauncher, StopEndsTheProcessAndIsIdempotent) {
  temp_dir dir("lc-launch");
  auto redis = redis_process::start({.data_dir = dir.path()});
  const pid_t pid = redis->pid();
  ASSERT_TRUE(process_exists(pid));
  EXPECT_TRUE(redis->running());
  const auto t0 = std::chrono::steady_clock::now();
  redis->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // SIGTERM sufficed
  EXPECT_FALSE(process_exists(pid));
  EXPECT_FALSE(redis->running());
  redis->stop();
  redis->kill(SIGKILL);  // no-op on a reaped child
  EXPECT_THROW(connect_to(*redis), std::runtime_error);
}

TEST(RedisLauncher, DestructorStopsTheProcess) {
  temp_dir dir("lc-launch");
  pid_t pid;
  {
    auto redis = redis_process::start({.data_dir = dir.path(), .use_unix_socket = false});
    pid = redis->pid();
  }
  EXPECT_FALSE(process_exists(pid));
}

TEST(RedisLauncher, StopEndsAStoppedProcess) {
  temp_dir dir("lc-launch");
  auto redis = redis_process::start({.data_dir = dir.path()});
  const pid_t pid = redis->pid();
  redis->kill(SIGSTOP);
  redis->stop();
  EXPECT_FALSE(process_exists(pid));
}

TEST(RedisLauncher, MissingExecutableFailsClearlyAndFast) {
  temp_dir dir("lc-launch");
  for (const std::string exe : {"/nonexistent/redis-server", "no-such-redis-server-binary"}) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      redis_process::start({.redis_server = exe, .data_dir = dir.path(), .start_timeout = 3s});
      ADD_FAILURE() << "started " << exe;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(exe), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  }
}

TEST(RedisLauncher, ExecutableThatExitsReportsItsOutput) {
  temp_dir dir("lc-launch");
  const auto script = dir.path() / "fake-redis.sh";
  std::ofstream(script) << "#!/bin/sh\necho 'fake redis: cannot start' >&2\nexit 3\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  try {
    redis_process::start({.redis_server = script.string(), .data_dir = dir.path() / "d"});
    ADD_FAILURE() << "started";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exited during startup"), std::string::npos) << what;
    EXPECT_NE(what.find("exit code 3"), std::string::npos) << what;
    EXPECT_NE(what.find("fake redis: cannot start"), std::string::npos) << what;
  }
}

TEST(RedisLauncher, UnresponsiveExecutableTimesOutAndIsKilled) {
  temp_dir dir("lc-launch");
  const auto script = dir.path() / "hang.sh";
  const auto pid_file = dir.path() / "pid";
  std::ofstream(script) << "#!/bin/sh\necho $$ > " << pid_file.string() << "\nexec sleep 30\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    redis_process::start(
        {.redis_server = script.string(), .data_dir = dir.path() / "d", .start_timeout = 500ms});
    ADD_FAILURE() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not ready within 500 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(process_exists(pid));
}

TEST(RedisLauncher, OccupiedExplicitPortFailsWithTheReason) {
  temp_dir dir("lc-launch");
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t port = ntohs(addr.sin_port);
  try {
    redis_process::start({.data_dir = dir.path(), .use_unix_socket = false, .port = port});
    ADD_FAILURE() << "started on an occupied port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
  }
  ::close(fd);
}

TEST(RedisLauncher, InvalidOptionsAreRejected) {
  temp_dir dir("lc-launch");
  EXPECT_THROW(redis_process::start({.data_dir = {}}), std::runtime_error);
  EXPECT_THROW(redis_process::start({.data_dir = dir.path(), .appendfsync = "sometimes"}),
               std::runtime_error);
}

TEST(RedisLauncher, LongDataDirPutsTheSocketInATempDir) {
  temp_dir dir("lc-launch");
  const auto deep = dir.path() / std::string(60, 'a') / std::string(60, 'b');
  std::filesystem::path socket_dir;
  {
    auto redis = redis_process::start({.data_dir = deep});
    EXPECT_EQ(redis->unix_socket().rfind("/tmp/lc-redis-", 0), 0u) << redis->unix_socket();
    EXPECT_LE(redis->unix_socket().size(), 100u);
    socket_dir = std::filesystem::path(redis->unix_socket()).parent_path();
    auto client = connect_to(*redis);
    EXPECT_EQ(client.call({"SET", "k", "v"}).to_string(), "OK");
    EXPECT_TRUE(std::filesystem::exists(deep / "appendonlydir"));
  }
  EXPECT_FALSE(std::filesystem::exists(socket_dir));
}

TEST(RedisLauncher, DataWrittenWithFsyncAlwaysSurvivesSigkill) {
  temp_dir dir("lc-launch");
  const redis_launch_options options{.data_dir = dir.path(), .appendfsync = "always"};
  {
    auto redis = redis_process::start(options);
    auto client = connect_to(*redis);
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(client.call({"RPUSH", "messages", "m" + std::to_string(i)}).integer, i + 1);
    }
    ASSERT_EQ(client.call({"HSET", "conv:1", "state", "assigned"}).integer, 1);
    const pid_t pid = redis->pid();
    redis->kill(SIGKILL);
    EXPECT_FALSE(process_exists(pid));
    EXPECT_FALSE(redis->running());
  }
  auto again = redis_process::start(options);
  auto client = connect_to(*again);
  EXPECT_EQ(client.call({"LLEN", "messages"}).integer, 50);
  EXPECT_EQ(client.call({"LINDEX", "messages", "-1"}).to_string(), "m49");
  EXPECT_EQ(client.call({"HGET", "conv:1", "state"}).to_string(), "assigned");
}

TEST(RedisLauncher, TwoInstancesSideBySide) {
  temp_dir a("lc-launch");
  temp_dir b("lc-launch");
  auto first = redis_process::start({.data_dir = a.path(), .use_unix_socket = false});
  auto second = redis_process::start({.data_dir = b.path(), .use_unix_socket = false});
  EXPECT_NE(first->port(), second->port());
  auto c1 = connect_to(*first);
  auto c2 = connect_to(*second);
  c1.call({"SET", "only", "first"});
  EXPECT_TRUE(c2.call({"GET", "only"}).is_nil());
}

TEST(RedisLauncher, FreeLoopbackPort) {
  const auto p = free_loopback_port();
  EXPECT_GT(p, 0);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(p);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

}  // namespace
}  // namespace lc::app
