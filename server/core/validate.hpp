#pragma once

#include <optional>

#include "livechat/v1/livechat.pb.h"
#include "server/core/error.hpp"
#include "server/core/limits.hpp"

namespace lc::core {

// Checks one client envelope against the sender's role and the limits: which requests the role
// may make (ROLE_UNSPECIFIED = no hello yet: only hello and ping), required fields, lengths,
// UTF-8, the id grammars of ids.hpp, ranges (rating 1..5, capacity <= max_capacity, ...).
// Returns the first problem found, or nothing when the request may go on. Does not check
// state (membership, conversation state): that needs Redis and happens in the store.
std::optional<error> validate_request(const livechat::v1::ClientEnvelope& envelope,
                                      livechat::v1::Role role, const limits& lim);

// `s` without leading and trailing blanks (space, tab, CR, LF): how names are stored.
std::string trim_blanks(std::string_view s);

// Deliberately loose ("x@y", no blanks or controls): the pre-chat email, shown, never mailed to.
bool looks_like_email(std::string_view s);

}  // namespace lc::core
