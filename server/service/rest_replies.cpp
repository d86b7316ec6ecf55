#include "server/service/rest_replies.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "server/core/json.hpp"

namespace lc::service::rest {

namespace pb = livechat::v1;

http_response json_reply(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response error_reply(unsigned status, std::string_view code, std::string_view message) {
  return json_reply(status, core::json_error(code, message));
}

void write_attachment(core::json_writer& j, const pb::ChatEvent& e) {
  if (!e.has_attachment()) return;
  const auto& a = e.attachment();
  j.key("attachment").begin_object();
  j.key("id").value(a.id());
  j.key("name").value(a.name());
  j.key("type").value(a.type());
  j.key("size").value(a.size());
  j.key("width").value(static_cast<std::uint64_t>(a.width()));
  j.key("height").value(static_cast<std::uint64_t>(a.height()));
  j.end_object();
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.substr(0, bearer.size()) != bearer) return std::nullopt;
  return authorization.substr(bearer.size());
}

http_response no_record_reply() {
  return error_reply(503, "archive_unavailable", "this node has no system of record");
}

std::string iso_time(std::int64_t ms) {
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

const char* role_name(pb::Role r) {
  switch (r) {
    case pb::ROLE_VISITOR:
      return "visitor";
    case pb::ROLE_AGENT:
      return "agent";
    case pb::ROLE_SYSTEM:
      return "system";
    case pb::ROLE_SUPERVISOR:
      return "supervisor";
    case pb::ROLE_ADMIN:
      return "admin";
    default:
      return "unknown";
  }
}

std::optional<std::int64_t> path_id(std::string_view s) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace lc::service::rest
