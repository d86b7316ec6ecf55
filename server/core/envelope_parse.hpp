#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "livechat/v1/livechat.pb.h"
#include "server/core/error.hpp"

namespace lc::core {

// A frame that could not become a ClientEnvelope, with the request id when one was readable.
struct parse_failure {
  std::uint64_t request_id = 0;
  error err;
};

// Parses one client frame. Bytes that are valid protobuf wire format but fail the typed parse
// broke a proto3 string field's UTF-8 rule: that is INVALID_ARGUMENT for the request they carry
// (its id read from field 1), not an unreadable frame. Anything else is MALFORMED.
std::variant<livechat::v1::ClientEnvelope, parse_failure> parse_client_envelope(
    std::string_view bytes);

}  // namespace lc::core
