#include "server/core/ws_frame.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "server/core/base64.hpp"
#include "server/core/utf8.hpp"

namespace lc::core::ws {
namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t reserved_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7F;
constexpr std::uint8_t length_16 = 126;
constexpr std::uint8_t length_64 = 127;

bool is_control(opcode op) {
  return (static_cast<std::uint8_t>(op) & 0x08U) != 0;
}

bool known_opcode(std::uint8_t op) {
  switch (static_cast<opcode>(op)) {
    case opcode::continuation:
    case opcode::text:
    case opcode::binary:
    case opcode::close:
    case opcode::ping:
    case opcode::pong:
      return true;
  }
  return false;
}

// Writes `size` after byte 1 of `out` the way RFC 6455 section 5.2 lays it out; returns the
// header's length so far.
std::uint8_t put_length(std::uint8_t* out, std::uint8_t flags, std::size_t size) {
  if (size < length_16) {
    out[1] = static_cast<std::uint8_t>(flags | size);
    return 2;
  }
  if (size <= 0xFFFF) {
    out[1] = flags | length_16;
    out[2] = static_cast<std::uint8_t>(size >> 8U);
    out[3] = static_cast<std::uint8_t>(size);
    return 4;
  }
  out[1] = flags | length_64;
  const auto wide = static_cast<std::uint64_t>(size);
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(wide >> (56U - 8U * i));
  return 10;
}

}  // namespace

frame_header server_frame_header(opcode op, std::size_t payload_size) {
  frame_header h;
  h.bytes[0] = fin_bit | static_cast<std::uint8_t>(op);
  h.size = put_length(h.bytes.data(), 0, payload_size);
  return h;
}

std::string encode_frame(opcode op, std::string_view payload,
                         const std::array<std::uint8_t, 4>* mask, bool fin) {
  std::array<std::uint8_t, 14> head{};
  head[0] = static_cast<std::uint8_t>((fin ? fin_bit : 0U) | static_cast<std::uint8_t>(op));
  std::uint8_t size = put_length(head.data(), mask != nullptr ? mask_bit : 0, payload.size());
  if (mask != nullptr) {
    std::memcpy(head.data() + size, mask->data(), 4);
    size += 4;
  }
  std::string out(reinterpret_cast<const char*>(head.data()), size);
  out.append(payload);
  if (mask != nullptr) {
    for (std::size_t i = 0; i < payload.size(); ++i) {
      out[size + i] = static_cast<char>(static_cast<std::uint8_t>(out[size + i]) ^ (*mask)[i % 4]);
    }
  }
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8U));
  out.push_back(static_cast<char>(code & 0xFFU));
  out.append(reason.substr(0, max_close_reason));
  return out;
}

bool valid_handshake_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  return std::all_of(key.begin(), key.end() - 2, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  });
}

std::string handshake_accept(std::string_view key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input.append(guid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), md.data(), &len, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA-1 failed");
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

bool valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

read_failure frame_reader::fail(std::uint16_t code, std::string_view reason) {
  finished_ = true;
  head_size_ = 0;
  message_ = std::string();
  control_ = std::string();
  return {code, reason};
}

std::size_t frame_reader::head_needed() const {
  if (head_size_ < 2) return 2;
  const std::uint8_t length = head_[1] & length_bits;
  const std::size_t extended = length == length_16 ? 2 : length == length_64 ? 8 : 0;
  return 2 + extended + 4;
}

read_failure frame_reader::start_frame(bool& started) {
  started = false;
  const std::uint8_t b0 = head_[0];
  const std::uint8_t b1 = head_[1];
  const std::uint8_t op = b0 & opcode_bits;
  const bool fin = (b0 & fin_bit) != 0;
  if (head_size_ == 2) {
    // Everything the first two bytes can get wrong, before waiting for the rest of the head.
    if ((b0 & reserved_bits) != 0) return fail(close_protocol_error, "reserved bits set");
    if (!known_opcode(op)) return fail(close_protocol_error, "unknown opcode");
    if ((b1 & mask_bit) == 0) return fail(close_protocol_error, "client frame not masked");
    if (is_control(static_cast<opcode>(op))) {
      if (!fin) return fail(close_protocol_error, "fragmented control frame");
      if ((b1 & length_bits) > max_control_payload) {
        return fail(close_protocol_error, "control frame over 125 bytes");
      }
    } else if (static_cast<opcode>(op) == opcode::continuation) {
      if (!in_message_) return fail(close_protocol_error, "continuation without a message");
    } else if (in_message_) {
      return fail(close_protocol_error, "new message inside a fragmented one");
    }
  }
  if (head_size_ < head_needed()) return {};

  std::uint64_t length = b1 & length_bits;
  std::size_t at = 2;
  if (length == length_16) {
    length = (std::uint64_t{head_[2]} << 8U) | head_[3];
    at = 4;
    if (length < length_16) return fail(close_protocol_error, "length not minimally encoded");
  } else if (length == length_64) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8U) | head_[2 + i];
    at = 10;
    if ((length >> 63U) != 0) return fail(close_protocol_error, "length over 63 bits");
    if (length <= 0xFFFF) return fail(close_protocol_error, "length not minimally encoded");
  }
  const auto frame_op = static_cast<opcode>(op);
  if (!is_control(frame_op) &&
      (message_.size() > max_message_ || length > max_message_ - message_.size())) {
    return fail(close_too_big, "message too big");
  }
  std::memcpy(mask_.data(), head_.data() + at, 4);
  mask_offset_ = 0;
  head_size_ = 0;
  frame_op_ = frame_op;
  frame_fin_ = fin;
  if (frame_op == opcode::text || frame_op == opcode::binary) message_op_ = frame_op;
  remaining_ = length;
  in_payload_ = true;
  started = true;
  return {};
}

void frame_reader::unmask(char* p, std::size_t n) {
  std::size_t i = 0;
  for (; i < n && mask_offset_ != 0; ++i) {
    p[i] = static_cast<char>(static_cast<std::uint8_t>(p[i]) ^ mask_[mask_offset_]);
    mask_offset_ = (mask_offset_ + 1U) & 3U;
  }
  // Aligned on the mask now: eight bytes at a time.
  std::array<std::uint8_t, 8> twice{};
  std::memcpy(twice.data(), mask_.data(), 4);
  std::memcpy(twice.data() + 4, mask_.data(), 4);
  std::uint64_t wide = 0;
  std::memcpy(&wide, twice.data(), 8);
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + i, 8);
    v ^= wide;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < n; ++i) {
    p[i] = static_cast<char>(static_cast<std::uint8_t>(p[i]) ^ mask_[mask_offset_]);
    mask_offset_ = (mask_offset_ + 1U) & 3U;
  }
}

read_failure frame_reader::deliver(std::string_view payload, bool text, frame_sink& sink) {
  if (text && !is_valid_utf8(payload)) return fail(close_invalid_payload, "text is not UTF-8");
  sink.on_message(payload, text);
  return {};
}

read_failure frame_reader::end_frame(frame_sink& sink) {
  in_payload_ = false;
  switch (frame_op_) {
    case opcode::close: {
      if (control_.size() == 1) return fail(close_protocol_error, "close payload of one byte");
      std::uint16_t code = 0;
      std::string_view reason;
      if (control_.size() >= 2) {
        code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(control_[0]) << 8U) |
                                          static_cast<std::uint8_t>(control_[1]));
        if (!valid_close_code(code)) return fail(close_protocol_error, "invalid close code");
        reason = std::string_view(control_).substr(2);
        if (!is_valid_utf8(reason)) return fail(close_invalid_payload, "close reason not UTF-8");
      }
      finished_ = true;
      sink.on_close(code, reason);
      control_ = std::string();
      return {};
    }
    case opcode::ping:
      sink.on_ping(control_);
      control_ = std::string();
      return {};
    case opcode::pong:
      sink.on_pong();
      control_ = std::string();
      return {};
    default:
      break;
  }
  if (!frame_fin_) {
    in_message_ = true;
    return {};
  }
  in_message_ = false;
  const std::string whole = std::move(message_);
  message_ = std::string();
  return deliver(whole, message_op_ == opcode::text, sink);
}

read_failure frame_reader::feed(char* data, std::size_t size, frame_sink& sink) {
  std::size_t pos = 0;
  while (pos < size && !finished_) {
    if (!in_payload_) {
      const std::size_t need = head_needed();
      const std::size_t take = std::min(need - head_size_, size - pos);
      std::memcpy(head_.data() + head_size_, data + pos, take);
      head_size_ = static_cast<std::uint8_t>(head_size_ + take);
      pos += take;
      if (head_size_ < need) continue;
      bool started = false;
      if (auto failure = start_frame(started)) return failure;
      if (started && remaining_ == 0) {
        if (auto failure = end_frame(sink)) return failure;
      }
      continue;
    }
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - pos));
    char* p = data + pos;
    unmask(p, take);
    pos += take;
    remaining_ -= take;
    if (is_control(frame_op_)) {
      control_.append(p, take);
    } else if (remaining_ == 0 && frame_fin_ && !in_message_ && message_.empty()) {
      // A whole message in this piece: handed on where it lies.
      in_payload_ = false;
      if (auto failure = deliver(std::string_view(p, take), message_op_ == opcode::text, sink)) {
        return failure;
      }
      continue;
    } else {
      message_.append(p, take);
    }
    if (remaining_ == 0) {
      if (auto failure = end_frame(sink)) return failure;
    }
  }
  return {};
}

}  // namespace lc::core::ws
