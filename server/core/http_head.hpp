#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lc::core {

// What RFC 9112 says a server must reject in a request head, checked on the raw bytes (the
// request line and header fields, up to and including the blank line) before any parser sees
// them, because a lenient parser unfolds or ignores exactly what makes request smuggling work:
// obs-fold (a line starting with SP or HTAB), whitespace before a field's colon, a
// Transfer-Encoding other than exactly "chunked" or one that comes with Content-Length, more
// than one Content-Length, "chunked" in TE, and an HTTP/1.1 request without exactly one Host.
// Returns why the head is refused, or nothing when it may be parsed.
std::optional<std::string> check_request_head(std::string_view head);

}  // namespace lc::core
