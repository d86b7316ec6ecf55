#include "tests/support/redis_fixture.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lc::test {

temp_dir::temp_dir(const std::string& prefix) {
  // Short /tmp paths keep unix socket paths under the 107-byte limit.
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

redis_fixture::redis_fixture() : redis_fixture(options{}) {}

redis_fixture::redis_fixture(options opts) : options_(std::move(opts)), dir_("lc-redis") {
  launch();
}

redis_fixture::~redis_fixture() {
  client_.reset();
  if (process_) process_->stop();
}

void redis_fixture::launch() {
  app::redis_launch_options o;
  o.data_dir = dir_.path() / "data";
  o.use_unix_socket = options_.use_unix_socket;
  o.appendfsync = options_.appendfsync;
  if (process_ && !options_.use_unix_socket) o.port = process_->port();  // same address
  process_ = app::redis_process::start(o);
}

void redis_fixture::restart(bool crash) {
  std::lock_guard lock(mutex_);
  client_.reset();
  if (crash) {
    process_->kill(SIGKILL);
  } else {
    process_->stop();
  }
  launch();
}

resp_value redis_fixture::call(const std::vector<std::string>& args) {
  std::lock_guard lock(mutex_);
  if (!client_) client_.emplace(process_->host(), process_->port(), process_->unix_socket());
  try {
    return client_->call(args);
  } catch (...) {
    client_.reset();  // the stream may be mid-reply; reconnect next time
    throw;
  }
}

void redis_fixture::flushall() {
  auto reply = call({"FLUSHALL"});
  if (reply.is_error()) throw std::runtime_error("FLUSHALL: " + reply.text);
}

std::string redis_fixture::command(std::initializer_list<std::string> args) {
  return call(std::vector<std::string>(args)).to_string();
}

std::string redis_fixture::command(const std::vector<std::string>& args) {
  return call(args).to_string();
}

std::vector<std::string> redis_fixture::command_list(const std::vector<std::string>& args) {
  return call(args).to_list();
}

std::unique_ptr<redis_fixture> redis_suite::redis_;

void redis_suite::SetUpTestSuite() {
  if (redis_) return;
  try {
    redis_ = std::make_unique<redis_fixture>();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot start Redis: " << e.what();
  }
}

void redis_suite::TearDownTestSuite() {
  redis_.reset();
}

void redis_suite::SetUp() {
  ASSERT_NE(redis_, nullptr) << "Redis did not start in SetUpTestSuite";
  redis().flushall();
}

}  // namespace lc::test
