#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "livechat/v1/livechat.pb.h"
#include "server/store/field_list.hpp"

namespace lc::store {

// A stream entry's fields (seq, ts, k, r, id, n, t, c, a, d) as a protocol ChatEvent; unknown
// fields are ignored.
livechat::v1::ChatEvent event_from_fields(const std::string& conversation_id,
                                          const field_list& fields);

// Decodes the "<len>:<bytes>" sequence the Functions library publishes into name/value pairs;
// nothing when it is malformed.
std::optional<field_list> decode_netstrings(std::string_view payload);

}  // namespace lc::store
