#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/app/redis_launcher.hpp"
#include "tests/support/resp_client.hpp"

namespace lc::test {

// A fresh directory under /tmp, removed with everything in it when this object dies.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "lc-test");
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A private redis-server (AOF on) in a fresh temp data dir, with a blocking RESP helper for
// inspecting it. Use one per test, or one per suite via redis_suite below.
class redis_fixture {
 public:
  struct options {
    bool use_unix_socket = false;  // default: a free TCP port on 127.0.0.1
    std::string appendfsync = "everysec";
  };

  // Starts Redis; throws std::runtime_error (with the log tail) when it cannot.
  redis_fixture();
  explicit redis_fixture(options opts);
  redis_fixture(const redis_fixture&) = delete;
  redis_fixture& operator=(const redis_fixture&) = delete;
  ~redis_fixture();

  const std::string& host() const { return process_->host(); }
  std::uint16_t port() const { return process_->port(); }
  const std::string& unix_socket() const { return process_->unix_socket(); }
  std::string url() const { return process_->url(); }
  const std::filesystem::path& data_dir() const { return dir_.path(); }
  app::redis_process& process() { return *process_; }

  // Stops Redis (SIGTERM, or SIGKILL to simulate a crash) and starts it again on the same data
  // dir and address, so tests can check what survived.
  void restart(bool crash = false);

  void flushall();
  // One command, reply rendered by resp_value::to_string(): "OK", "42", "(nil)",
  // "(error) ERR ...", "[a, b]".
  std::string command(std::initializer_list<std::string> args);
  std::string command(const std::vector<std::string>& args);
  // Array replies element by element (see resp_value::to_list()).
  std::vector<std::string> command_list(const std::vector<std::string>& args);
  // The structured reply.
  resp_value call(const std::vector<std::string>& args);

 private:
  void launch();

  options options_;
  temp_dir dir_;
  std::unique_ptr<app::redis_process> process_;
  std::mutex mutex_;  // tests may poke Redis from helper threads
  std::optional<resp_client> client_;
};

// Base for suites sharing one Redis: started in SetUpTestSuite, flushed before each test.
class redis_suite : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;
  static redis_fixture& redis() { return *redis_; }

 private:
  static std::unique_ptr<redis_fixture> redis_;
};

}  // namespace lc::test
