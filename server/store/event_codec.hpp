#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livechat/v1/livechat.pb.h"
#include "server/store/field_list.hpp"

namespace lc::store {

// A stream entry's or wake-up's fields (seq, ts, k, r, id, n, t, c, a, d, and e: netstrings of
// further fields, as lc_post packs a message) as a protocol ChatEvent; unknown fields are
// ignored.
livechat::v1::ChatEvent event_from_fields(const std::string& conversation_id,
                                          const field_list& fields);

// The seq in a stream entry id "0-<seq>"; 0 when the id is not of that form.
std::uint64_t seq_of_entry_id(std::string_view id);

// Decodes the netstrings (core/netstring.hpp) the Functions library publishes into name/value
// pairs; nothing when it is malformed.
std::optional<field_list> decode_netstrings(std::string_view payload);

}  // namespace lc::store
