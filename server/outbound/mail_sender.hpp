#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "server/outbound/outbox_worker.hpp"
#include "server/outbound/smtp_send.hpp"
#include "server/record/mail.hpp"
#include "server/record/record_pool.hpp"

namespace lc::outbound {

struct mail_sender_options {
  std::chrono::milliseconds poll{1000};
  std::chrono::milliseconds give_up{24LL * 3600 * 1000};  // retried this long after the request
  std::chrono::milliseconds lease{120000};
  // A transcript asked for during the chat is looked at again this often until the chat ends.
  std::chrono::milliseconds wait_for_close{3000};
  std::size_t batch = 8;
};

// Drains the mail outbox of the system of record over SMTP, on a thread of its own (every node
// runs one; a claim is a lease, so each attempt is made by one of them). A transcript's text is
// rendered from the archive when it is sent (core::transcript_text), so it is what the record
// holds, and waits while the chat is still open; an answer to an offline message carries its
// text. A mail the server refuses for good (5xx) fails at once; others are retried with backoff
// until `give_up` after the request. Each row keeps one Message-ID, so a mail that was sent but
// not recorded (the node died in between) and goes again is recognisably the same one.
class mail_sender {
 public:
  mail_sender(record::record_pool& pool, smtp_settings smtp, mail_sender_options options);
  mail_sender(const mail_sender&) = delete;
  mail_sender& operator=(const mail_sender&) = delete;
  ~mail_sender();

  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  void wake() { worker_.wake(); }

  std::uint64_t sent() const { return sent_.load(); }
  std::uint64_t failed_attempts() const { return failed_.load(); }

 private:
  bool pass();
  // The composed mail for `m`, or nothing when its transcript is not archived yet.
  std::optional<std::string> compose(const record::mail_row& m);

  record::record_pool& pool_;
  smtp_settings smtp_;
  mail_sender_options options_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  outbox_worker worker_;  // last: its thread stops before the rest goes
};

}  // namespace lc::outbound
