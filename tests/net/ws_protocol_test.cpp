// The WebSocket protocol on the wire, byte for byte: the handshake, control frames, frames that
// come with the upgrade request or many to a segment, and the keep-alive the watchdog runs.
#include "server/core/ws_frame.hpp"
#include "tests/net/net_env.hpp"

namespace lc::net_test {
namespace {

namespace ws = lc::core::ws;

constexpr std::array<std::uint8_t, 4> mask{0x11, 0x22, 0x33, 0x44};

std::string client_frame(ws::opcode op, std::string_view payload) {
  return ws::encode_frame(op, payload, &mask);
}

// What the server sent after its 101, or "" when there was no 101.
std::string after_handshake(const std::string& raw) {
  if (!raw.starts_with("HTTP/1.1 101")) return "";
  const auto end = raw.find("\r\n\r\n");
  return end == std::string::npos ? "" : raw.substr(end + 4);
}

std::string server_frame(ws::opcode op, std::string_view payload) {
  return ws::encode_frame(op, payload);
}

TEST_F(NetTest, TheHandshakeAnswersTheKeyAndOffersNoExtension) {
  start();
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_,
      upgrade_request("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"),
      300ms);
  ASSERT_TRUE(raw.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << raw;
  EXPECT_NE(raw.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << raw;
  EXPECT_EQ(raw.find("Sec-WebSocket-Extensions"), std::string::npos) << "deflate stays off";
}

TEST_F(NetTest, AnotherWebSocketVersionGets426WithTheOneSpokenHere) {
  start();
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 426")) << raw;
  EXPECT_NE(raw.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\"upgrade_required\""), std::string::npos) << raw;
  auto no_key = lc::test::raw_exchange(
      "127.0.0.1", port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_TRUE(no_key.starts_with("HTTP/1.1 400")) << no_key;
  EXPECT_NE(no_key.find("Sec-WebSocket-Key"), std::string::npos) << no_key;
  EXPECT_EQ(fe_.locked([&] { return fe_.connections.size(); }), 0u);
}

// A client may send its first frames right behind the upgrade request, before the 101; Beast's
// accept dropped them.
TEST_F(NetTest, FramesSentWithTheUpgradeRequestAreRead) {
  start();
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_,
      upgrade_request("User-Agent: test") + client_frame(ws::opcode::binary, "first") +
          client_frame(ws::opcode::binary, "second") +
          client_frame(ws::opcode::close, ws::close_payload(1000, "")),
      2s);
  EXPECT_EQ(after_handshake(raw), server_frame(ws::opcode::close, ws::close_payload(1000, "")))
      << ::testing::PrintToString(raw);
  auto conn = wait_connection();
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames; }),
            (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(NetTest, APingIsAnsweredWithItsPayloadAndACloseIsEchoed) {
  start();
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_, upgrade_request("User-Agent: test"), 2s,
      client_frame(ws::opcode::ping, "are you there?") + client_frame(ws::opcode::pong, "") +
          client_frame(ws::opcode::binary, "m") +
          client_frame(ws::opcode::close, ws::close_payload(4001, "tab closed")));
  EXPECT_EQ(after_handshake(raw), server_frame(ws::opcode::pong, "are you there?") +
                                      server_frame(ws::opcode::close, ws::close_payload(4001, "")))
      << ::testing::PrintToString(raw);
  auto conn = wait_connection();
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames; }), std::vector<std::string>{"m"});
}

TEST_F(NetTest, TextThatIsNotUtf8ClosesWith1007AndReachesNobody) {
  start();
  auto raw = lc::test::raw_exchange("127.0.0.1", port_, upgrade_request("User-Agent: test"), 2s,
                                    client_frame(ws::opcode::text, "caf\xc3"));
  const std::string frames = after_handshake(raw);
  ASSERT_GE(frames.size(), 4u) << ::testing::PrintToString(raw);
  EXPECT_EQ(frames.substr(0, 1), "\x88");
  EXPECT_EQ(frames.substr(2, 2), std::string("\x03\xef", 2)) << frames;  // 1007
  auto conn = wait_connection();
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
  EXPECT_TRUE(fe_.locked([&] { return conn->frames.empty(); }));
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

// Many small frames in one TCP segment, and a message split over segments, arrive in order.
TEST_F(NetTest, ManyFramesToASegmentArriveInOrder) {
  start();
  std::string burst;
  std::vector<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    expected.push_back("frame " + std::to_string(i));
    burst += client_frame(ws::opcode::binary, expected.back());
  }
  auto raw =
      lc::test::raw_exchange("127.0.0.1", port_, upgrade_request("User-Agent: test"), 1s, burst);
  auto conn = wait_connection();
  ASSERT_TRUE(fe_.wait([&] { return conn->frames.size() == expected.size(); }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames; }), expected);
}

// Frames queued in one turn go out together (several to a write), in the order they were sent,
// past the number one write gathers.
TEST_F(NetTest, FramesQueuedInOneTurnArriveInOrder) {
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  on_server([&] {
    for (int i = 1; i <= 200; ++i) conn->link->send(push_frame(i));
  });
  for (std::uint32_t i = 1; i <= 200; ++i) {
    auto got = client.receive(wait_limit);
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(got->queue_status().position(), i);
  }
}

// The keep-alive Beast's per-socket timer ran is the watchdog's now: a silent peer is pinged
// after half the idle timeout and dropped after all of it; one that answers pings stays.
TEST_F(NetTest, ASilentPeerIsPingedThenDropped) {
  lc::net::server_options options;
  options.websocket_idle_timeout = std::chrono::seconds(2);
  options.hello_timeout = 400ms;  // the watchdog's round is a quarter of the shorter deadline
  start(options);
  ws_client answering("127.0.0.1", port_);  // Beast's client answers pings by itself
  auto first = wait_connection(0);
  on_server([&] { first->link->hello_done(true); });
  auto silent = std::async(std::launch::async, [&] {
    return lc::test::raw_exchange("127.0.0.1", port_, upgrade_request("User-Agent: test"), 6s);
  });
  auto second = wait_connection(1);
  on_server([&] { second->link->hello_done(true); });
  // The answering client reads meanwhile: Beast answers a ping only while a read is pending.
  for (int i = 0; i < 60 && silent.wait_for(0ms) != std::future_status::ready; ++i) {
    answering.receive(100ms);
  }
  const std::string frames = after_handshake(silent.get());
  EXPECT_EQ(frames, server_frame(ws::opcode::ping, "")) << ::testing::PrintToString(frames);
  ASSERT_TRUE(fe_.wait([&] { return second->closes == 1; }));
  EXPECT_TRUE(answering.is_open()) << "pongs count as hearing from the peer";
  EXPECT_EQ(closes(first), 0);
}

}  // namespace
}  // namespace lc::net_test
