#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// WebSocket framing (RFC 6455) for the server's side of a connection: the client's frames in,
// the server's frames out, and the handshake's key. No I/O: server/net feeds bytes as they
// arrive and writes what this builds.
namespace lc::core::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close codes the server sends (RFC 6455 section 7.4.1).
inline constexpr std::uint16_t close_normal = 1000;
inline constexpr std::uint16_t close_protocol_error = 1002;
inline constexpr std::uint16_t close_invalid_payload = 1007;
inline constexpr std::uint16_t close_too_big = 1009;

// Payload bytes a close frame carries after its 2-byte code (control frames hold <= 125).
inline constexpr std::size_t max_close_reason = 123;
inline constexpr std::size_t max_control_payload = 125;

// The head of a frame the server sends: FIN, the opcode, the length; never masked.
struct frame_header {
  std::array<std::uint8_t, 10> bytes{};
  std::uint8_t size = 0;
};
frame_header server_frame_header(opcode op, std::size_t payload_size);

// A whole frame with FIN set. With a mask it is a client's frame (tests and tools send those).
std::string encode_frame(opcode op, std::string_view payload,
                         const std::array<std::uint8_t, 4>* mask = nullptr, bool fin = true);

// A close frame's payload: the code, then at most max_close_reason bytes of the reason.
std::string close_payload(std::uint16_t code, std::string_view reason);

// True when `key` has the shape of a Sec-WebSocket-Key: base64 of 16 bytes (24 characters).
bool valid_handshake_key(std::string_view key);
// The Sec-WebSocket-Accept answering `key`: base64(SHA-1(key + the RFC's GUID)).
std::string handshake_accept(std::string_view key);

// Close codes a peer may send (1005, 1006 and 1015 only ever describe a close locally).
bool valid_close_code(std::uint16_t code);

// What a frame_reader hands on as it completes messages and control frames. The views point
// into the caller's bytes or the reader's buffer and are valid only during the call.
class frame_sink {
 public:
  virtual ~frame_sink() = default;
  virtual void on_message(std::string_view payload, bool text) = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong() = 0;
  // `code` is 0 when the frame carried none.
  virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
};

// Why a client's stream of frames is broken: the close code to answer with, and why.
struct read_failure {
  std::uint16_t code = 0;  // 0: nothing is wrong
  std::string_view reason;
  explicit operator bool() const { return code != 0; }
};

// Parses a client's frames from bytes in whatever pieces they arrive. It holds bytes only while
// a frame or a fragmented message spans pieces, so an idle connection's reader owns no memory;
// a message that arrives whole in one piece is handed on in place, unmasked, without a copy.
class frame_reader {
 public:
  explicit frame_reader(std::size_t max_message) : max_message_(max_message) {}

  // The largest message accepted from now on; a bigger one fails with close_too_big.
  void max_message(std::size_t bytes) { max_message_ = bytes; }

  // Takes every byte of `data`, unmasking in place, and calls `sink` for each completed message
  // and control frame. After a close frame or a failure it takes nothing more: the failure is
  // returned once, then finished() is true.
  read_failure feed(char* data, std::size_t size, frame_sink& sink);

  // A close frame was read or the stream failed.
  bool finished() const { return finished_; }
  // Bytes held for a frame or message still incomplete.
  std::size_t held() const { return message_.size() + control_.size() + head_size_; }

 private:
  read_failure fail(std::uint16_t code, std::string_view reason);
  // Parses head_ once it is complete; false while more bytes are needed.
  read_failure start_frame(bool& started);
  read_failure end_frame(frame_sink& sink);
  read_failure deliver(std::string_view payload, bool text, frame_sink& sink);
  std::size_t head_needed() const;
  void unmask(char* p, std::size_t n);

  std::size_t max_message_;
  std::string message_;          // a data message spanning frames or pieces
  std::string control_;          // a control frame's payload spanning pieces
  std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
  std::array<std::uint8_t, 14> head_{};
  std::array<std::uint8_t, 4> mask_{};
  std::uint8_t head_size_ = 0;
  std::uint8_t mask_offset_ = 0;
  opcode frame_op_ = opcode::continuation;
  opcode message_op_ = opcode::binary;
  bool in_payload_ = false;  // the head is read, the payload is coming
  bool frame_fin_ = false;
  bool in_message_ = false;  // a fragmented data message has begun
  bool finished_ = false;
};

}  // namespace lc::core::ws
