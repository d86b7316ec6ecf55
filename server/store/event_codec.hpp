#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "livechat/v1/livechat.pb.h"

namespace lc::store {

using field_list = std::vector<std::pair<std::string, std::string>>;

// A stream entry's fields (seq, ts, k, r, id, n, t, c, a, d) as a protocol ChatEvent; the
// sending connection (field o), which clients never see, goes to *origin when asked for.
livechat::v1::ChatEvent event_from_fields(const std::string& conversation_id,
                                          const field_list& fields, std::string* origin = nullptr);

// Decodes the "<len>:<bytes>" sequence the Functions library publishes into name/value pairs;
// nothing when it is malformed.
std::optional<field_list> decode_netstrings(std::string_view payload);

}  // namespace lc::store
