#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lc::core {

// What a webhook may be told about: the names its endpoint subscribes to and each delivery
// carries in X-Livechat-Event.
inline constexpr std::string_view webhook_events[] = {
    "conversation.created",     "conversation.assigned", "conversation.message",
    "conversation.transferred", "conversation.closed",   "conversation.rated"};
bool is_webhook_event(std::string_view name);

// An endpoint an admin may register: http:// or https://, a host, at most 2,048 bytes, no
// credentials in the URL, no blanks or control characters. The reason when it is not one.
std::optional<std::string> webhook_url_problem(std::string_view url);

// The X-Livechat-Signature header's value for `body` sent at `unix_s`:
// "t=<unix_s>,v1=<hex HMAC-SHA256(secret, "<unix_s>.<body>")>". A receiver recomputes it and
// refuses old timestamps, so a captured delivery cannot be replayed later.
std::string webhook_signature(std::string_view secret, std::int64_t unix_s, std::string_view body);

}  // namespace lc::core
