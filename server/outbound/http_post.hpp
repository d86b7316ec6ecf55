#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace lc::outbound {

struct http_post_result {
  int status = 0;     // the response's status code; 0 when there was none
  std::string error;  // why there was none (or the status, as text, when it was not 2xx)
  bool ok() const { return status >= 200 && status < 300; }
};

// POSTs `body` to `url` (http or https only, no redirects followed) and waits for the answer,
// at most `timeout` in all. Blocking: call it from a thread of its own, never the event loop.
// The response body is read and dropped (at most 64 KiB of it).
http_post_result http_post(const std::string& url,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::string& body, std::chrono::milliseconds timeout);

}  // namespace lc::outbound
