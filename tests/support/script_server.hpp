#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "server/app/subprocess.hpp"
#include "server/core/json_value.hpp"
#include "tests/support/redis_fixture.hpp"

namespace lc::test {

// A test server written as a script (the webhook receiver, the SMTP server): started with
// `--port-file F --log L` and the extra arguments, it listens on 127.0.0.1 port 0, writes the
// port to F, and appends one JSON object per thing it received to L. Stopped by the destructor.
class script_server {
 public:
  script_server(const std::string& interpreter, const std::string& script,
                std::vector<std::string> extra_args);
  ~script_server();
  script_server(const script_server&) = delete;
  script_server& operator=(const script_server&) = delete;

  std::uint16_t port() const { return port_; }
  // Every complete line of the log so far, in order.
  std::vector<core::json_value> entries() const;
  // Waits (bounded) until `count` entries are there; what is there by then.
  std::vector<core::json_value> wait_for(std::size_t count,
                                         std::chrono::milliseconds timeout) const;
  void stop();

 private:
  temp_dir dir_{"lc-script-server"};
  app::child_process child_;
  std::uint16_t port_ = 0;
};

}  // namespace lc::test
