#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "livechat/v1/livechat.pb.h"

namespace lc::service {

// Serialized frames, shared between every connection that receives the same one.
using frame = std::shared_ptr<const std::string>;

frame encode(const livechat::v1::ServerEnvelope& envelope);
livechat::v1::ServerEnvelope error_envelope(std::uint64_t request_id, livechat::v1::ErrorCode code,
                                            const std::string& text);
std::int64_t wall_clock_ms();

}  // namespace lc::service
