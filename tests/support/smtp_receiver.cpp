#include "tests/support/smtp_receiver.hpp"

namespace lc::test {

namespace {

std::string text_of(const core::json_value& v, const char* key) {
  const auto* f = v.find(key);
  return f != nullptr && f->is_string() ? f->as_string() : std::string();
}

std::vector<smtp_receiver::mail> mails_of(const std::vector<core::json_value>& entries) {
  std::vector<smtp_receiver::mail> out;
  for (const auto& e : entries) {
    smtp_receiver::mail m;
    m.mail_from = text_of(e, "mail_from");
    if (const auto* r = e.find("rcpt_tos"); r != nullptr && r->is_array()) {
      for (const auto& to : r->items()) m.rcpt_to.push_back(to.as_string());
    }
    m.from = text_of(e, "from");
    m.to = text_of(e, "to");
    m.subject = text_of(e, "subject");
    m.reply_to = text_of(e, "reply_to");
    m.message_id = text_of(e, "message_id");
    // The text as written: mail carries CRLF line ends, the tests compare with '\n'.
    for (const char c : text_of(e, "body")) {
      if (c != '\r') m.body.push_back(c);
    }
    m.raw = text_of(e, "raw");
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

// Debian's aiosmtpd is installed for the system Python, whatever python3 comes first on PATH.
smtp_receiver::smtp_receiver(int fail_first)
    : server_("/usr/bin/python3", SMTP_RECEIVER_SCRIPT,
              {"--fail-first", std::to_string(fail_first)}) {}

std::vector<smtp_receiver::mail> smtp_receiver::mails() const {
  return mails_of(server_.entries());
}

std::vector<smtp_receiver::mail> smtp_receiver::wait_for(std::size_t count,
                                                         std::chrono::milliseconds timeout) const {
  return mails_of(server_.wait_for(count, timeout));
}

}  // namespace lc::test
