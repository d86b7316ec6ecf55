#pragma once

#include <stdexcept>
#include <string>

#include "livechat/v1/livechat.pb.h"

namespace lc::store {

// A store request that did not succeed: refused by a function (NOT_FOUND, CONFLICT, ...),
// or Redis unreachable / too slow (UNAVAILABLE: the client may retry with the same ids).
class store_error : public std::runtime_error {
 public:
  store_error(livechat::v1::ErrorCode code, const std::string& text)
      : std::runtime_error(text), code_(code) {}
  livechat::v1::ErrorCode code() const { return code_; }

 private:
  livechat::v1::ErrorCode code_;
};

// "NOT_FOUND text" (a function's refusal) as the protocol's error code.
livechat::v1::ErrorCode error_code_from_reply(const std::string& error_text);

}  // namespace lc::store
