#pragma once

#include <chrono>
#include <string>

#include "server/app/subprocess.hpp"
#include "tests/support/redis_fixture.hpp"

namespace lc::test {

// A private clamd (Debian's clamav-daemon) on a unix socket in a temp dir, with one signature
// of its own instead of the downloaded databases: a file holding `virus_marker` is infected.
// Stopped by the destructor.
class clamd_fixture {
 public:
  static constexpr const char* virus_marker = "LIVECHAT-TEST-VIRUS-7f3a";

  // Starts clamd and waits (bounded) until it answers; throws std::runtime_error otherwise.
  clamd_fixture();
  ~clamd_fixture();
  clamd_fixture(const clamd_fixture&) = delete;
  clamd_fixture& operator=(const clamd_fixture&) = delete;

  std::string socket() const { return (dir_.path() / "clamd.sock").string(); }
  void stop();

 private:
  temp_dir dir_{"lc-clamd"};
  app::child_process child_;
};

}  // namespace lc::test
