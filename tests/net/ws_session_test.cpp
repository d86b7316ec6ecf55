// WebSocket connections: frames both ways, closes, slow and stalled clients.
#include "tests/net/net_env.hpp"

namespace lc::net_test {
namespace {

// --- WebSocket --------------------------------------------------------------------------------

TEST_F(NetTest, WebSocketFramesBothWays) {
  start();
  ws_client client("127.0.0.1", port_, "/ws?token=abc&v=1");
  auto conn = wait_connection();
  ASSERT_TRUE(conn);
  EXPECT_TRUE(on_server([&] { return conn->link->peer().starts_with("127.0.0.1:"); }));
  EXPECT_EQ(on_server([&] { return server_->websocket_count(); }), 1u);

  livechat::v1::ClientEnvelope send;
  send.mutable_send()->set_client_msg_id("m1");
  auto ack = client.request(send);
  ASSERT_TRUE(ack.has_ack());
  EXPECT_EQ(ack.ack().client_msg_id(), "m1");
  EXPECT_NE(ack.request_id(), 0u);

  EXPECT_TRUE(on_server([&] { return conn->link->send(push_frame(7)); }));
  auto pushed = client.receive(wait_limit);
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->queue_status().position(), 7u);

  client.send_raw("plain text", false);
  ASSERT_TRUE(fe_.wait([&] { return conn->frames.size() == 2; }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames[1]; }), "plain text");
  EXPECT_FALSE(client.receive(100ms));  // the fake answers nothing to non-envelopes
}

TEST_F(NetTest, WaitForKeepsOtherFramesInBacklog) {
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  on_server([&] {
    conn->link->send(push_frame(1));
    conn->link->send(push_frame(2));
    conn->link->send(push_frame(3));
  });
  auto second = client.wait_for(
      [](const livechat::v1::ServerEnvelope& e) { return e.queue_status().position() == 2; },
      wait_limit);
  ASSERT_TRUE(second);
  EXPECT_EQ(client.receive(wait_limit)->queue_status().position(), 1u);
  EXPECT_EQ(client.receive(wait_limit)->queue_status().position(), 3u);
  EXPECT_FALSE(client.receive(50ms));
}

TEST_F(NetTest, UpgradeElsewhereIsPlainHttp) {
  start();
  EXPECT_THROW(ws_client("127.0.0.1", port_, "/other"), std::runtime_error);
  EXPECT_EQ(fe_.locked([&] { return fe_.connections.size(); }), 0u);
}

TEST_F(NetTest, BadHandshakeIsRefused) {
  start();
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 4")) << raw;
  EXPECT_EQ(fe_.locked([&] { return fe_.connections.size(); }), 0u);
}

TEST_F(NetTest, GarbageAfterHandshakeEndsConnection) {
  start();
  // An unmasked frame is a protocol violation from a client: close 1002, saying why.
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      1s, std::string("\x82\x05hello\xff\xff\xff", 10));
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 101")) << raw;
  EXPECT_TRUE(raw.ends_with(std::string("\x88\x19\x03\xea", 4) + "client frame not masked"))
      << ::testing::PrintToString(raw.substr(raw.find("\r\n\r\n")));
  auto conn = wait_connection();
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
  EXPECT_TRUE(fe_.locked([&] { return conn->frames.empty(); }));
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(NetTest, ClientCloseCallsOnCloseOnce) {
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  client.close();
  EXPECT_FALSE(client.is_open());
  EXPECT_EQ(client.close_code(), std::optional<std::uint16_t>(1000));
  ASSERT_TRUE(fe_.wait([&] { return conn->closes >= 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(closes(conn), 1);
  EXPECT_FALSE(on_server([&] { return conn->link->send(push_frame(1)); }));
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(NetTest, DroppedClientCallsOnCloseOnce) {
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  client.drop();
  ASSERT_TRUE(fe_.wait([&] { return conn->closes >= 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(closes(conn), 1);
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(NetTest, FrameOverLimitClosesWith1009) {
  fe_.max_frame = 1024;
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  client.send_raw(std::string(1024, 'a'));  // at the limit: delivered
  ASSERT_TRUE(fe_.wait([&] { return conn->frames.size() == 1; }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames[0]; }), std::string(1024, 'a'));
  client.send_raw(std::string(1025, 'b'));
  ASSERT_TRUE(client.wait_closed(wait_limit));
  EXPECT_EQ(client.close_code(), std::optional<std::uint16_t>(1009));
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames.size(); }), 1u);
}

TEST_F(NetTest, LargeFragmentedMessageArrivesWhole) {
  fe_.max_frame = 64 * 1024;
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  on_server([&] { conn->link->hello_done(true); });  // the full frame limit applies after Hello
  // The client fragments at 4 KiB, and the server reads in pieces: one on_frame all the same.
  std::string big(64 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  client.send_raw(big);
  client.send_raw("small");
  ASSERT_TRUE(fe_.wait([&] { return conn->frames.size() == 2; }));
  EXPECT_TRUE(fe_.locked([&] { return conn->frames[0] == big; }));
  EXPECT_EQ(fe_.locked([&] { return conn->frames[1]; }), "small");
}

TEST_F(NetTest, SlowConsumerIsClosedWith1008) {
  lc::net::server_options options;
  options.send_queue_limit = 4;
  start(options);
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  // All in one turn of the event loop, so none of the writes can finish in between.
  auto results = on_server([&] {
    std::vector<bool> out;
    for (int i = 0; i < 8; ++i) out.push_back(conn->link->send(push_frame(i + 1)));
    return out;
  });
  EXPECT_EQ(results, (std::vector<bool>{true, true, true, true, false, false, false, false}));
  int received = 0;
  while (client.receive(wait_limit)) ++received;
  EXPECT_LE(received, 4);
  EXPECT_FALSE(client.is_open());
  EXPECT_EQ(client.close_code(), std::optional<std::uint16_t>(1008));
  EXPECT_EQ(client.close_reason(), "slow consumer");
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
}

// The frontend hears at once that a slow consumer is gone (its grace can start), not only once
// the client has read its way to the close frame, which it may never do.
TEST_F(NetTest, ASlowConsumerCountsAsGoneBeforeItReadsAnything) {
  lc::net::server_options options;
  options.send_queue_limit = 4;
  start(options);
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  on_server([&] {
    for (int i = 0; i < 8; ++i) conn->link->send(push_frame(i + 1));
    return 0;
  });
  EXPECT_TRUE(fe_.wait([&] { return conn->closes == 1; })) << "still counted as connected";
  EXPECT_EQ(on_server([&] { return conn->link->send_room(); }), 0u);
}

// A client that stops reading with its buffers full stalls the write in flight: past the write
// deadline the connection is dropped and the frontend told.
TEST_F(NetTest, AStalledWriteIsDroppedAtTheDeadline) {
  lc::net::server_options options;
  options.send_queue_limit = 100000;
  options.write_timeout = 300ms;
  start(options);
  ws_client client("127.0.0.1", port_, "/ws", /*receive_buffer_bytes=*/4096);
  auto conn = wait_connection();
  const auto big = std::make_shared<const std::string>(256 * 1024, 'x');
  on_server([&] {
    for (int i = 0; i < 64; ++i) conn->link->send(big);  // 16 MiB: far more than the buffers
    return 0;
  });
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; })) << "the stalled client was kept";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  // What it finally reads ends in a dropped connection, not in 16 MiB.
  std::size_t got = 0;
  while (client.is_open() && got < 64) {
    if (!client.receive_raw(1s)) break;
    ++got;
  }
  EXPECT_LT(got, 64u);
}

TEST_F(NetTest, SendRoomShrinksWithTheQueueAndADrainIsAnnounced) {
  lc::net::server_options options;
  options.send_queue_limit = 8;
  start(options);
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  EXPECT_EQ(on_server([&] { return conn->link->send_room(); }), 8u);
  on_server([&] {
    for (int i = 1; i <= 3; ++i) conn->link->send(push_frame(i));
    EXPECT_LE(conn->link->send_room(), 7u);
    conn->link->notify_writable();
    return 0;
  });
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(client.receive(wait_limit));
  EXPECT_TRUE(fe_.wait([&] { return conn->writables == 1; }));
  // Asked while nothing is queued: announced on the next turn.
  on_server([&] {
    conn->link->notify_writable();
    return 0;
  });
  EXPECT_TRUE(fe_.wait([&] { return conn->writables == 2; }));
}

TEST_F(NetTest, CloseDeliversQueuedFramesFirst) {
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  bool late_send = on_server([&] {
    for (int i = 1; i <= 3; ++i) conn->link->send(push_frame(i));
    conn->link->close(4000, "bye");
    return conn->link->send(push_frame(99));
  });
  EXPECT_FALSE(late_send);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    auto env = client.receive(wait_limit);
    ASSERT_TRUE(env) << i;
    EXPECT_EQ(env->queue_status().position(), i);
  }
  EXPECT_FALSE(client.receive(wait_limit));
  EXPECT_EQ(client.close_code(), std::optional<std::uint16_t>(4000));
  EXPECT_EQ(client.close_reason(), "bye");
  ASSERT_TRUE(fe_.wait([&] { return conn->closes == 1; }));
}

TEST_F(NetTest, CloseAllDrainsEveryConnection) {
  start();
  ws_client a("127.0.0.1", port_);
  ws_client b("127.0.0.1", port_);
  auto conn_a = wait_connection(0);
  auto conn_b = wait_connection(1);
  // An idle keep-alive HTTP connection must not hold up the drain either.
  auto idle = std::async(std::launch::async, [&] {
    return lc::test::raw_exchange("127.0.0.1", port_, "GET /api/a HTTP/1.1\r\nHost: x\r\n\r\n",
                                  wait_limit);
  });
  ASSERT_TRUE(fe_.wait([&] { return fe_.requests.size() == 1; }));
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 3; }));

  auto started = std::chrono::steady_clock::now();
  on_server([&] {
    conn_a->link->send(push_frame(5));
    server_->stop_accepting();
    server_->close_all(1012, "restart");
  });
  auto last = a.receive(wait_limit);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->queue_status().position(), 5u);
  ASSERT_TRUE(a.wait_closed(wait_limit));
  ASSERT_TRUE(b.wait_closed(wait_limit));
  EXPECT_EQ(a.close_code(), std::optional<std::uint16_t>(1012));
  EXPECT_EQ(b.close_code(), std::optional<std::uint16_t>(1012));
  EXPECT_EQ(b.close_reason(), "restart");
  ASSERT_TRUE(fe_.wait([&] { return conn_a->closes == 1 && conn_b->closes == 1; }));
  ASSERT_EQ(idle.wait_for(wait_limit), std::future_status::ready);
  EXPECT_TRUE(idle.get().starts_with("HTTP/1.1 200"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
  EXPECT_THROW(ws_client("127.0.0.1", port_), std::runtime_error);
}

TEST_F(NetTest, StopAcceptingKeepsEstablishedConnections) {
  start();
  ws_client client("127.0.0.1", port_);
  wait_connection();
  on_server([&] { server_->stop_accepting(); });
  EXPECT_THROW(ws_client("127.0.0.1", port_), std::runtime_error);
  EXPECT_TRUE(client.request(ping()).has_ack());
}

TEST_F(NetTest, DestroyingTheServerClosesConnections) {
  start();
  ws_client client("127.0.0.1", port_);
  auto conn = wait_connection();
  on_server([&] { server_.reset(); });
  EXPECT_EQ(closes(conn), 1);  // synchronously, while the frontend is still alive
  EXPECT_TRUE(client.wait_closed(wait_limit));
  EXPECT_FALSE(client.close_code());  // no close frame: the sockets were just closed
}

// --- bounds on connections that have not said Hello (issue 9) --------------------------------

// An unfinished large frame before Hello pinned up to --max-frame-bytes per socket.
TEST_F(NetTest, BeforeHelloOnlySmallFramesAreRead) {
  fe_.max_frame = 64 * 1024;
  lc::net::server_options options;
  options.pre_hello_frame_bytes = 1024;
  start(options);
  ws_client client("127.0.0.1", port_);
  wait_connection();
  client.send_raw(std::string(2048, 'x'));
  ASSERT_TRUE(client.wait_closed(wait_limit));
  EXPECT_EQ(client.close_code(), 1009u);
}

TEST_F(NetTest, AConnectionThatNeverSaysHelloIsClosed) {
  lc::net::server_options options;
  options.hello_timeout = 300ms;
  start(options);
  ws_client idle("127.0.0.1", port_);
  ws_client greeted("127.0.0.1", port_);
  auto second = wait_connection(1);
  on_server([&] { second->link->hello_done(true); });
  ASSERT_TRUE(idle.wait_closed(wait_limit));
  EXPECT_EQ(idle.close_code(), 1008u);
  EXPECT_EQ(idle.close_reason(), "hello timeout");
  std::this_thread::sleep_for(600ms);
  EXPECT_TRUE(greeted.is_open()) << "Hello lifts the deadline";
}

TEST_F(NetTest, OneAddressHoldsAtMostItsShareOfConnections) {
  lc::net::server_options options;
  options.max_connections_per_address = 2;
  start(options);
  ws_client a("127.0.0.1", port_);
  ws_client b("127.0.0.1", port_);
  wait_connection(1);
  auto refused =
      lc::test::raw_exchange("127.0.0.1", port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 429")) << refused;
  EXPECT_NE(refused.find("too_many_connections"), std::string::npos) << refused;
  // An agent's connection stops counting once it said Hello: room for one more.
  auto first = wait_connection(0);
  on_server([&] { first->link->hello_done(false); });
  EXPECT_NO_THROW(ws_client("127.0.0.1", port_));
}

TEST_F(NetTest, BehindATrustedProxyTheForwardedAddressIsCounted) {
  lc::net::server_options options;
  options.max_connections_per_address = 1;
  options.trusted_proxies = {"127.0.0.1"};
  start(options);
  const auto upgrade = [](const std::string& xff) {
    return upgrade_request("X-Forwarded-For: " + xff);
  };
  auto first = std::async(std::launch::async, [&] {
    return lc::test::raw_exchange("127.0.0.1", port_, upgrade("198.51.100.7, 203.0.113.5"), 1500ms);
  });
  ASSERT_TRUE(fe_.wait([&] { return fe_.connections.size() == 1; }));
  auto same = lc::test::raw_exchange("127.0.0.1", port_, upgrade("203.0.113.5"), 1500ms);
  EXPECT_TRUE(same.starts_with("HTTP/1.1 429")) << same;
  auto other = lc::test::raw_exchange("127.0.0.1", port_, upgrade("203.0.113.6"), 500ms);
  EXPECT_TRUE(other.starts_with("HTTP/1.1 101")) << other;
  EXPECT_TRUE(first.get().starts_with("HTTP/1.1 101"));
}

// 500 idle sockets on 512 descriptors made /healthz fail: a newcomer now displaces the oldest
// connection that has not said Hello.
TEST_F(NetTest, AtTheConnectionLimitANewcomerDisplacesTheOldestWithoutHello) {
  lc::net::server_options options;
  options.max_connections = 3;
  start(options);
  ws_client oldest("127.0.0.1", port_);
  ws_client b("127.0.0.1", port_);
  ws_client c("127.0.0.1", port_);
  wait_connection(2);
  auto second = wait_connection(1);
  auto third = wait_connection(2);
  on_server([&] {
    second->link->hello_done(true);
    third->link->hello_done(true);
  });
  auto res = lc::test::http_request("127.0.0.1", port_, "GET", "/healthz");
  EXPECT_EQ(res.status, 200u);
  EXPECT_TRUE(oldest.wait_closed(wait_limit));
  EXPECT_TRUE(b.is_open());
  EXPECT_TRUE(c.is_open());
}

// Every WebSocket left an entry as an HTTP session and has one of its own; pruned only past
// twice the connections, the expired half stayed for good (and with it each upgraded HTTP
// session's memory, ~900 B a WebSocket at 15k).
TEST_F(NetTest, TheDisplacementQueueKeepsNoEntryPerUpgradedSession) {
  lc::net::server_options options;
  options.max_connections_per_address = 1000;
  start(options);
  std::vector<std::unique_ptr<ws_client>> clients;
  constexpr std::size_t count = 200;
  for (std::size_t i = 0; i < count; ++i) {
    clients.push_back(std::make_unique<ws_client>("127.0.0.1", port_));
  }
  ASSERT_TRUE(fe_.wait([&] { return fe_.connections.size() == count; }));
  const auto entries = on_server([&] { return server_->displacement_entries(); });
  EXPECT_LE(entries, count + count / 2 + 64) << "expired entries are pruned";
  EXPECT_GE(entries, count) << "every open WebSocket may still be displaced";
}

TEST_F(NetTest, OnlyAllowedOriginsMayOpenAWebSocket) {
  lc::net::server_options options;
  options.allowed_origins = {"https://shop.example"};
  start(options);
  const auto upgrade = [](const std::string& origin) {
    return upgrade_request("Origin: " + origin);
  };
  auto evil = lc::test::raw_exchange("127.0.0.1", port_, upgrade("https://evil.example"), 1s);
  EXPECT_TRUE(evil.starts_with("HTTP/1.1 403")) << evil;
  EXPECT_NE(evil.find("origin not allowed"), std::string::npos) << evil;
  auto shop = lc::test::raw_exchange("127.0.0.1", port_, upgrade("https://shop.example"), 300ms);
  EXPECT_TRUE(shop.starts_with("HTTP/1.1 101")) << shop;
}

}  // namespace
}  // namespace lc::net_test
