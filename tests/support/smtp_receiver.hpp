#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/script_server.hpp"

namespace lc::test {

// A real SMTP server (tests/support/smtp_receiver.py on Debian's python3-aiosmtpd, 127.0.0.1,
// port 0): records every message it accepts, and answers 451 to the first `fail_first`.
// Stopped by the destructor.
class smtp_receiver {
 public:
  struct mail {
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::string from, to, subject, reply_to, message_id, body, raw;  // headers decoded
  };

  explicit smtp_receiver(int fail_first = 0);

  std::uint16_t port() const { return server_.port(); }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
  std::vector<mail> mails() const;
  // Waits (bounded) until `count` mails arrived; what arrived by then.
  std::vector<mail> wait_for(std::size_t count, std::chrono::milliseconds timeout) const;
  void stop() { server_.stop(); }

 private:
  script_server server_;
};

}  // namespace lc::test
