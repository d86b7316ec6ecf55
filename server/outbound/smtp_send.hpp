#pragma once

#include <chrono>
#include <string>

namespace lc::outbound {

// How this server reaches its mail server (the --smtp-* flags).
struct smtp_settings {
  std::string url;   // smtp://HOST[:PORT] or smtps://HOST[:PORT] (TLS from the start); "" = no mail
  std::string from;  // envelope sender and From address
  std::string from_name;        // From's name, and the team the transcript names
  std::string user, password;   // AUTH, when user is set
  std::string tls = "require";  // smtp:// only: STARTTLS "require"d, "try"ed, or "none"
  std::chrono::milliseconds timeout{30000};  // one mail, connecting included
  bool enabled() const { return !url.empty(); }
};

struct smtp_result {
  bool sent = false;
  bool permanent = false;  // the server refused it for good (5xx): retrying would not help
  std::string error;
};

// Sends one composed message (core::compose_mail) to `to` and waits for the answer. Blocking:
// call it from a thread of its own, never the event loop. libcurl does the SMTP dialogue,
// including dot-stuffing the body.
smtp_result smtp_send(const smtp_settings& settings, const std::string& to,
                      const std::string& message);

}  // namespace lc::outbound
