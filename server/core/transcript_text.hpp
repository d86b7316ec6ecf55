#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "livechat/v1/livechat.pb.h"

namespace lc::core {

// A conversation as the visitor saw it, as plain text for a mail: one line per message
// ("[16:58] Alice: hello", continuation lines indented) and per visible change ("Bob joined the
// chat."), a date line whenever the day changes, times in UTC. What only staff see (notes,
// tags, monitoring) is left out, whatever the events hold.
std::string transcript_text(const std::vector<livechat::v1::ChatEvent>& events,
                            std::string_view team_name, std::string_view conversation_id);

}  // namespace lc::core
