// A client's bytes after the WebSocket handshake: any bytes, in any pieces.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/core/utf8.hpp"
#include "server/core/ws_frame.hpp"

namespace {

// Checks what the reader hands on against what the protocol allows.
struct checking_sink final : lc::core::ws::frame_sink {
  std::size_t limit = 0;
  void on_message(std::string_view payload, bool text) override {
    if (payload.size() > limit) __builtin_trap();
    if (text && !lc::core::is_valid_utf8(payload)) __builtin_trap();
  }
  void on_ping(std::string_view payload) override {
    if (payload.size() > lc::core::ws::max_control_payload) __builtin_trap();
  }
  void on_pong() override {}
  void on_close(std::uint16_t code, std::string_view reason) override {
    if (code != 0 && !lc::core::ws::valid_close_code(code)) __builtin_trap();
    if (!lc::core::is_valid_utf8(reason)) __builtin_trap();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first byte picks the message limit, the second how the rest is cut into pieces.
  checking_sink sink;
  sink.limit = std::size_t{data[0]} * 64;
  const std::size_t piece = std::size_t{data[1]} + 1;
  std::string bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  lc::core::ws::frame_reader reader(sink.limit);
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const std::size_t n = std::min(piece, bytes.size() - at);
    const auto failure = reader.feed(bytes.data() + at, n, sink);
    if (failure) {
      if (!reader.finished() || failure.reason.empty()) __builtin_trap();
      if (reader.held() != 0) __builtin_trap();
      break;
    }
    if (reader.held() > sink.limit + 14 + lc::core::ws::max_control_payload) __builtin_trap();
  }
  return 0;
}
