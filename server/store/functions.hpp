#pragma once

namespace lc::store {

// The Functions library (livechat.lua), embedded at build time; loaded with FUNCTION LOAD
// REPLACE on every connect.
extern const char* const functions_source;

}  // namespace lc::store
