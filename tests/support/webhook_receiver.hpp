#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/support/script_server.hpp"

namespace lc::test {

// A real HTTP endpoint for webhooks (tests/support/webhook_receiver.py, Python's http.server on
// 127.0.0.1, port 0): records every request and answers 503 to the first `fail_first`, then 200.
// Stopped by the destructor.
class webhook_receiver {
 public:
  struct request {
    std::string path, body;
    int status = 0;                              // what the receiver answered
    std::map<std::string, std::string> headers;  // names in lower case
  };

  explicit webhook_receiver(int fail_first = 0);

  std::uint16_t port() const { return server_.port(); }
  std::string url(const std::string& path = "/hook") const;
  std::vector<request> requests() const;
  // Waits (bounded) until `count` requests arrived; what arrived by then.
  std::vector<request> wait_for(std::size_t count, std::chrono::milliseconds timeout) const;
  void stop() { server_.stop(); }

 private:
  script_server server_;
};

}  // namespace lc::test
