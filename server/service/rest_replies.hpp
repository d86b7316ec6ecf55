#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livechat/v1/livechat.pb.h"
#include "server/core/json.hpp"
#include "server/service/transport.hpp"

// How the REST API spells its answers: shared by the files of rest_api.
namespace lc::service::rest {

http_response json_reply(unsigned status, std::string body);
// {"error":{"code":...,"message":...}} with the status.
http_response error_reply(unsigned status, std::string_view code, std::string_view message);
// 503 archive_unavailable: this node runs without a system of record.
http_response no_record_reply();
// "2026-12-01T18:04:14.123Z"
std::string iso_time(std::int64_t ms);
const char* role_name(livechat::v1::Role role);
// An event's file as the REST API and webhooks show it: id, name, type, size, width, height
// (not the preview), under the key "attachment"; nothing when the event has none.
void write_attachment(core::json_writer& j, const livechat::v1::ChatEvent& e);
// The token of an "Authorization: Bearer <token>" header; nothing for any other header.
std::optional<std::string_view> bearer_token(std::string_view authorization);
// A row id in a path ("/api/canned/17"): a positive decimal, nothing else.
std::optional<std::int64_t> path_id(std::string_view s);

}  // namespace lc::service::rest
