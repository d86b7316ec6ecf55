#pragma once

#include <optional>

#include "livechat/v1/livechat.pb.h"
#include "server/core/error.hpp"

namespace lc::core {

// The name a request goes by in error texts ("join", "send", ...).
const char* request_name(livechat::v1::ClientEnvelope::BodyCase request);

// Whether `role` may make `request` at all: before Hello (ROLE_UNSPECIFIED) only Hello and
// Ping (UNAUTHENTICATED otherwise), a second Hello is a CONFLICT, and each role has its own list
// of requests (FORBIDDEN for the others). Nothing when it may.
std::optional<error> check_role(livechat::v1::ClientEnvelope::BodyCase request,
                                livechat::v1::Role role);

}  // namespace lc::core
