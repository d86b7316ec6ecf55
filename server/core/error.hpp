#pragma once

#include <string>

#include "livechat/v1/livechat.pb.h"

namespace lc::core {

// A request failure as the client will see it: an ErrorCode and a human-readable text.
struct error {
  livechat::v1::ErrorCode code = livechat::v1::ERROR_CODE_INTERNAL;
  std::string text;
};

}  // namespace lc::core
