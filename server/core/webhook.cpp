#include "server/core/webhook.hpp"

#include <algorithm>

#include "server/core/digest.hpp"
#include "server/core/ids.hpp"

namespace lc::core {

namespace {

constexpr std::size_t max_url_bytes = 2048;

}  // namespace

bool is_webhook_event(std::string_view name) {
  return std::find(std::begin(webhook_events), std::end(webhook_events), name) !=
         std::end(webhook_events);
}

std::optional<std::string> webhook_url_problem(std::string_view url) {
  if (url.empty() || url.size() > max_url_bytes) return "1..2048 bytes";
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return "no blanks, control or non-ASCII characters";
  }
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return "http:// or https:// only";
  }
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return "no credentials in the URL";
  const auto host = authority.front() == '[' ? authority.substr(0, authority.find(']') + 1)
                                             : authority.substr(0, authority.find(':'));
  if (authority.empty() || host.empty() || host == "[") return "a host is required";
  return std::nullopt;
}

std::string webhook_signature(std::string_view secret, std::int64_t unix_s, std::string_view body) {
  const auto t = std::to_string(unix_s);
  std::string signed_part;
  signed_part.reserve(t.size() + 1 + body.size());
  signed_part.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + hex(hmac_sha256(secret, signed_part));
}

}  // namespace lc::core
