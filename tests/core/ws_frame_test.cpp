#include "server/core/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lc::core::ws {
namespace {

constexpr std::array<std::uint8_t, 4> mask{0x37, 0xfa, 0x21, 0x3d};

// Records what the reader hands on.
struct recorder final : frame_sink {
  std::vector<std::string> messages;
  std::vector<bool> texts;
  std::vector<std::string> pings;
  int pongs = 0;
  int closes = 0;
  std::uint16_t close_code = 0;
  std::string close_reason;

  void on_message(std::string_view payload, bool text) override {
    messages.emplace_back(payload);
    texts.push_back(text);
  }
  void on_ping(std::string_view payload) override { pings.emplace_back(payload); }
  void on_pong() override { ++pongs; }
  void on_close(std::uint16_t code, std::string_view reason) override {
    ++closes;
    close_code = code;
    close_reason = std::string(reason);
  }
};

std::string client_frame(opcode op, std::string_view payload, bool fin = true) {
  return encode_frame(op, payload, &mask, fin);
}

// Feeds `bytes` in pieces of `piece` bytes and returns the first failure.
read_failure feed_in_pieces(frame_reader& reader, std::string bytes, std::size_t piece,
                            frame_sink& sink) {
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const std::size_t n = std::min(piece, bytes.size() - at);
    if (auto failure = reader.feed(bytes.data() + at, n, sink)) return failure;
  }
  return {};
}

TEST(WsFrame, HandshakeAcceptMatchesTheRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(handshake_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(valid_handshake_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(valid_handshake_key(""));
  EXPECT_FALSE(valid_handshake_key("dGhlIHNhbXBsZSBub25jZQ="));     // 23 characters
  EXPECT_FALSE(valid_handshake_key("dGhlIHNhbXBsZSBub25jZQ*="));    // no padding
  EXPECT_FALSE(valid_handshake_key("dGhlIHNhbX\r\nZSBub25jZQ=="));  // not base64
}

TEST(WsFrame, ServerHeadersUseTheShortestLength) {
  auto h = server_frame_header(opcode::binary, 125);
  ASSERT_EQ(h.size, 2);
  EXPECT_EQ(h.bytes[0], 0x82);
  EXPECT_EQ(h.bytes[1], 125);
  h = server_frame_header(opcode::text, 126);
  ASSERT_EQ(h.size, 4);
  EXPECT_EQ(h.bytes[0], 0x81);
  EXPECT_EQ(h.bytes[1], 126);
  EXPECT_EQ(h.bytes[2], 0);
  EXPECT_EQ(h.bytes[3], 126);
  h = server_frame_header(opcode::binary, 70000);
  ASSERT_EQ(h.size, 10);
  EXPECT_EQ(h.bytes[1], 127);
  EXPECT_EQ(h.bytes[7], 0x01);  // 70000 = 0x011170
  EXPECT_EQ(h.bytes[8], 0x11);
  EXPECT_EQ(h.bytes[9], 0x70);
  EXPECT_EQ(close_payload(1008, std::string(200, 'r')).size(), 2 + max_close_reason);
}

TEST(WsFrame, MessagesArriveWholeWhateverThePieces) {
  std::string big(70000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  const std::string stream = client_frame(opcode::binary, "hello") +
                             client_frame(opcode::text, "h\xc3\xa9llo") +
                             client_frame(opcode::binary, big) + client_frame(opcode::binary, "");
  for (std::size_t piece :
       {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{4096}, stream.size()}) {
    frame_reader reader(1 << 20);
    recorder sink;
    EXPECT_FALSE(feed_in_pieces(reader, stream, piece, sink)) << piece;
    ASSERT_EQ(sink.messages.size(), 4u) << piece;
    EXPECT_EQ(sink.messages[0], "hello");
    EXPECT_EQ(sink.messages[1], "h\xc3\xa9llo");
    EXPECT_TRUE(sink.texts[1]);
    EXPECT_FALSE(sink.texts[0]);
    EXPECT_EQ(sink.messages[2], big);
    EXPECT_EQ(sink.messages[3], "");
    EXPECT_EQ(reader.held(), 0u) << "nothing kept between messages";
  }
}

TEST(WsFrame, FragmentsJoinAndControlFramesMayComeBetween) {
  const std::string stream =
      client_frame(opcode::text, "one ", false) + client_frame(opcode::ping, "are you there") +
      client_frame(opcode::continuation, "two ", false) + client_frame(opcode::pong, "") +
      client_frame(opcode::continuation, "three");
  for (std::size_t piece : {std::size_t{1}, stream.size()}) {
    frame_reader reader(1024);
    recorder sink;
    EXPECT_FALSE(feed_in_pieces(reader, stream, piece, sink));
    ASSERT_EQ(sink.messages.size(), 1u);
    EXPECT_EQ(sink.messages[0], "one two three");
    EXPECT_TRUE(sink.texts[0]);
    ASSERT_EQ(sink.pings.size(), 1u);
    EXPECT_EQ(sink.pings[0], "are you there");
    EXPECT_EQ(sink.pongs, 1);
  }
}

TEST(WsFrame, ACloseEndsTheStream) {
  frame_reader reader(1024);
  recorder sink;
  std::string stream = client_frame(opcode::close, close_payload(1001, "bye")) +
                       client_frame(opcode::binary, "after the close");
  EXPECT_FALSE(reader.feed(stream.data(), stream.size(), sink));
  EXPECT_TRUE(reader.finished());
  EXPECT_EQ(sink.closes, 1);
  EXPECT_EQ(sink.close_code, 1001);
  EXPECT_EQ(sink.close_reason, "bye");
  EXPECT_TRUE(sink.messages.empty());

  frame_reader bare(1024);
  recorder sink2;
  std::string empty_close = client_frame(opcode::close, "");
  EXPECT_FALSE(bare.feed(empty_close.data(), empty_close.size(), sink2));
  EXPECT_EQ(sink2.closes, 1);
  EXPECT_EQ(sink2.close_code, 0);
}

// Each broken stream fails with the code RFC 6455 asks for, and hands nothing on after it.
TEST(WsFrame, ProtocolViolationsFailWithTheirCode) {
  struct broken {
    std::string bytes;
    std::uint16_t code;
  };
  std::string unmasked = encode_frame(opcode::binary, "hello");
  std::string reserved = client_frame(opcode::binary, "x");
  reserved[0] = static_cast<char>(reserved[0] | 0x40);
  std::string unknown = client_frame(opcode::binary, "x");
  unknown[0] = static_cast<char>(0x83);
  std::string long_ping = client_frame(opcode::ping, std::string(126, 'p'));
  std::string fragmented_ping = client_frame(opcode::ping, "p", false);
  std::string not_minimal = client_frame(opcode::binary, std::string(10, 'x'));
  not_minimal.replace(1, 1, std::string("\xfe\x00\x0a", 3));  // 126 + a 16-bit 10
  std::string huge("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14);
  const std::vector<broken> cases = {
      {unmasked, close_protocol_error},
      {reserved, close_protocol_error},
      {unknown, close_protocol_error},
      {long_ping, close_protocol_error},
      {fragmented_ping, close_protocol_error},
      {client_frame(opcode::continuation, "orphan"), close_protocol_error},
      {client_frame(opcode::binary, "a", false) + client_frame(opcode::binary, "b"),
       close_protocol_error},
      {not_minimal, close_protocol_error},
      {huge, close_protocol_error},
      {client_frame(opcode::close, "x"), close_protocol_error},
      {client_frame(opcode::close, close_payload(1005, "")), close_protocol_error},
      {client_frame(opcode::close, close_payload(2999, "")), close_protocol_error},
      {client_frame(opcode::close, close_payload(1000, "\xff")), close_invalid_payload},
      {client_frame(opcode::text, "caf\xc3"), close_invalid_payload},
      {client_frame(opcode::text, "\xed\xa0\x80"), close_invalid_payload},  // a surrogate
      {client_frame(opcode::binary, std::string(65, 'x')), close_too_big},
      {client_frame(opcode::binary, std::string(40, 'x'), false) +
           client_frame(opcode::continuation, std::string(40, 'x')),
       close_too_big},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (std::size_t piece : {std::size_t{1}, cases[i].bytes.size()}) {
      frame_reader reader(64);
      recorder sink;
      std::string bytes = cases[i].bytes + client_frame(opcode::binary, "next");
      auto failure = feed_in_pieces(reader, bytes, piece, sink);
      EXPECT_EQ(failure.code, cases[i].code) << "case " << i << " piece " << piece;
      EXPECT_FALSE(failure.reason.empty());
      EXPECT_TRUE(reader.finished());
      EXPECT_TRUE(sink.messages.empty()) << "case " << i;
      EXPECT_EQ(reader.held(), 0u);
    }
  }
}

TEST(WsFrame, TheLimitMayGrowBetweenMessages) {
  frame_reader reader(8);
  recorder sink;
  std::string small = client_frame(opcode::binary, "12345678");
  EXPECT_FALSE(reader.feed(small.data(), small.size(), sink));
  reader.max_message(16);
  std::string larger = client_frame(opcode::binary, "1234567890abcdef");
  EXPECT_FALSE(reader.feed(larger.data(), larger.size(), sink));
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_EQ(sink.messages[1], "1234567890abcdef");
}

TEST(WsFrame, CloseCodesAPeerMaySend) {
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999}) {
    EXPECT_TRUE(valid_close_code(code)) << code;
  }
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000}) {
    EXPECT_FALSE(valid_close_code(code)) << code;
  }
}

}  // namespace
}  // namespace lc::core::ws
