#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "server/net/server.hpp"
#include "tests/support/ws/ws_client.hpp"

namespace {

using namespace std::chrono_literals;
using lc::service::client_link;
using lc::service::http_request;
using lc::service::http_response;
using lc::test::ws_client;

constexpr auto wait_limit = 5s;

// The net layer's only collaborator, faked: records what arrives and answers like a trivial
// service (every parsable ClientEnvelope gets an Ack carrying its request id).
class fake_frontend final : public lc::service::frontend {
 public:
  struct connection {
    std::shared_ptr<client_link> link;
    std::vector<std::string> frames;
    int closes = 0;
    int writables = 0;
  };

  std::shared_ptr<lc::service::connection_handler> open(
      std::shared_ptr<client_link> link) override {
    auto conn = std::make_shared<connection>();
    conn->link = std::move(link);
    {
      std::lock_guard lock(mu_);
      connections.push_back(conn);
    }
    cv_.notify_all();
    return std::make_shared<handler>(this, conn);
  }

  void handle_http(http_request request, std::function<void(http_response)> done) override {
    std::unique_lock lock(mu_);
    requests.push_back(request);
    if (defer_http) {
      pending.push_back(std::move(done));
      lock.unlock();
      cv_.notify_all();
      return;
    }
    lock.unlock();
    cv_.notify_all();
    http_response res;
    res.content_type = "text/plain";
    res.body =
        request.method + " " + request.target + " " + request.authorization + " " + request.body;
    res.headers.emplace_back("X-Fake", "yes");
    done(std::move(res));
  }

  std::size_t max_frame_bytes() const override { return max_frame; }

  // Waits (bounded) until pred() holds under the lock.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = wait_limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, pred);
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(mu_);
    return f();
  }

  // Guarded by mu_ (written on the server thread, read by the test).
  std::vector<http_request> requests;
  std::vector<std::function<void(http_response)>> pending;
  std::vector<std::shared_ptr<connection>> connections;
  // Set before the server starts.
  bool defer_http = false;
  std::size_t max_frame = 1024;

 private:
  // Per-connection handler: records frames and closes, echoes an Ack for each envelope.
  class handler final : public lc::service::connection_handler {
   public:
    handler(fake_frontend* owner, std::shared_ptr<connection> conn)
        : owner_(owner), conn_(std::move(conn)) {}
    void on_frame(std::string_view bytes) override {
      {
        std::lock_guard lock(owner_->mu_);
        conn_->frames.emplace_back(bytes);
      }
      owner_->cv_.notify_all();
      livechat::v1::ClientEnvelope in;
      if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
          in.body_case() == livechat::v1::ClientEnvelope::BODY_NOT_SET) {
        return;
      }
      livechat::v1::ServerEnvelope out;
      out.set_request_id(in.request_id());
      out.mutable_ack()->set_client_msg_id(in.send().client_msg_id());
      conn_->link->send(std::make_shared<const std::string>(out.SerializeAsString()));
    }
    void on_close() override {
      {
        std::lock_guard lock(owner_->mu_);
        ++conn_->closes;
      }
      owner_->cv_.notify_all();
    }
    void on_writable() override {
      {
        std::lock_guard lock(owner_->mu_);
        ++conn_->writables;
      }
      owner_->cv_.notify_all();
    }

   private:
    fake_frontend* owner_;
    std::shared_ptr<connection> conn_;
  };

  std::mutex mu_;
  std::condition_variable cv_;
};

std::shared_ptr<const std::string> push_frame(std::uint64_t marker) {
  livechat::v1::ServerEnvelope env;
  env.mutable_queue_status()->set_position(static_cast<std::uint32_t>(marker));
  return std::make_shared<const std::string>(env.SerializeAsString());
}

livechat::v1::ClientEnvelope ping() {
  livechat::v1::ClientEnvelope env;
  env.mutable_ping();
  return env;
}

// Runs a real server on its own thread, as the app does, against the fake frontend.
class NetTest : public ::testing::Test {
 protected:
  void start(lc::net::server_options options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<lc::net::server>(ioc_, fe_, options);
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      on_server([this] {
        server_.reset();
        // Pending `done` callbacks own HTTP sessions, whose sockets must go before ioc_ does.
        fe_.locked([&] {
          fe_.pending.clear();
          return 0;
        });
      });
      work_.reset();
      ioc_.stop();
      thread_.join();
    }
  }

  // Runs f on the server's thread, where everything in server/net must be called.
  template <class F>
  auto on_server(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(ioc_, [&task] { task(); });
    if (result.wait_for(wait_limit) != std::future_status::ready) {
      ADD_FAILURE() << "server thread did not run the task";
      std::abort();  // the task refers to this frame; nothing safe is left to do
    }
    return result.get();
  }

  // Polls a server-side condition until it holds (bounded).
  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds timeout = wait_limit) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (on_server(pred)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return on_server(pred);
  }

  std::shared_ptr<fake_frontend::connection> wait_connection(std::size_t index = 0) {
    EXPECT_TRUE(fe_.wait([&] { return fe_.connections.size() > index; }));
    return fe_.locked(
        [&] { return fe_.connections.size() > index ? fe_.connections[index] : nullptr; });
  }

  int closes(const std::shared_ptr<fake_frontend::connection>& c) {
    return fe_.locked([&] { return c->closes; });
  }

  fake_frontend fe_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::unique_ptr<lc::net::server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// --- HTTP -------------------------------------------------------------------------------------

TEST_F(NetTest, BindsAnEphemeralPort) {
  start();
  EXPECT_NE(port_, 0);
  EXPECT_EQ(on_server([&] { return server_->connection_count(); }), 0u);
}

TEST_F(NetTest, HttpRequestReachesFrontend) {
  start();
  auto res = lc::test::http_request("127.0.0.1", port_, "POST", "/api/things?x=1", "Bearer tok",
                                    R"({"a":1})");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.content_type, "text/plain");
  EXPECT_EQ(res.body, R"(POST /api/things?x=1 Bearer tok {"a":1})");
  auto requests = fe_.locked([&] { return fe_.requests; });
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/things?x=1");
  EXPECT_EQ(requests[0].authorization, "Bearer tok");
  EXPECT_EQ(requests[0].body, R"({"a":1})");
}

TEST_F(NetTest, FrontendStatusAndHeadersPassThrough) {
  start();
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200")) << raw;
  EXPECT_NE(raw.find("X-Fake: yes"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Content-Type: text/plain"), std::string::npos) << raw;
}

TEST_F(NetTest, HttpDoneMayBeCalledLater) {
  fe_.defer_http = true;
  start();
  auto answer = std::async(std::launch::async, [&] {
    return lc::test::http_request("127.0.0.1", port_, "GET", "/api/slow");
  });
  ASSERT_TRUE(fe_.wait([&] { return fe_.pending.size() == 1; }));
  std::this_thread::sleep_for(50ms);
  on_server([&] {
    auto done = fe_.locked([&] { return fe_.pending[0]; });
    done(http_response{202, "application/json", R"({"later":true})", {}});
    done(http_response{500, "text/plain", "second call must be ignored", {}});
  });
  ASSERT_EQ(answer.wait_for(wait_limit), std::future_status::ready);
  auto res = answer.get();
  EXPECT_EQ(res.status, 202u);
  EXPECT_EQ(res.body, R"({"later":true})");
}

TEST_F(NetTest, HttpDoneAfterClientLeftIsHarmless) {
  fe_.defer_http = true;
  start();
  // The client gives up before the frontend answers.
  auto raw = lc::test::raw_exchange("127.0.0.1", port_, "GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\n",
                                    300ms);
  EXPECT_EQ(raw, "");
  ASSERT_TRUE(fe_.wait([&] { return fe_.pending.size() == 1; }));
  on_server([&] {
    auto done = fe_.locked([&] { return fe_.pending[0]; });
    fe_.pending.clear();  // the frontend forgets the callback after calling it
    done(http_response{200, "text/plain", "nobody is listening", {}});
  });
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
  // The server is still fine.
  auto answer = std::async(std::launch::async, [&] {
    return lc::test::http_request("127.0.0.1", port_, "GET", "/api/next");
  });
  ASSERT_TRUE(fe_.wait([&] { return fe_.pending.size() == 1; }));
  on_server([&] { fe_.locked([&] { return fe_.pending[0]; })(http_response{}); });
  ASSERT_EQ(answer.wait_for(wait_limit), std::future_status::ready);
  EXPECT_EQ(answer.get().status, 200u);
}

TEST_F(NetTest, KeepAliveServesPipelinedRequests) {
  start();
  auto raw = lc::test::raw_exchange("127.0.0.1", port_,
                                    "GET /api/a HTTP/1.1\r\nHost: x\r\n\r\n"
                                    "GET /api/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto first = raw.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << raw;
  EXPECT_NE(raw.find("HTTP/1.1 200", first + 1), std::string::npos) << raw;
  EXPECT_LT(raw.find("GET /api/a"), raw.find("GET /api/b")) << raw;
}

TEST_F(NetTest, MalformedRequestGets400Json) {
  start();
  auto raw = lc::test::raw_exchange("127.0.0.1", port_, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 400")) << raw;
  EXPECT_NE(raw.find("Content-Type: application/json"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"({"error":{"code":"bad_request","message":")"), std::string::npos) << raw;
  EXPECT_EQ(fe_.locked([&] { return fe_.requests.size(); }), 0u);
}

TEST_F(NetTest, OversizedHeaderGets400) {
  start();
  std::string req =
      "GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  auto raw = lc::test::raw_exchange("127.0.0.1", port_, req);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 400")) << raw.substr(0, 200);
  EXPECT_NE(raw.find("bad_request"), std::string::npos);
}

TEST_F(NetTest, OversizedBodyGets413) {
  start();
  auto res =
      lc::test::http_request("127.0.0.1", port_, "POST", "/api/x", "", std::string(70 * 1024, 'b'));
  EXPECT_EQ(res.status, 413u);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_NE(res.body.find(R"("code":"too_large")"), std::string::npos) << res.body;
  // 64 KiB exactly is fine.
  auto ok =
      lc::test::http_request("127.0.0.1", port_, "POST", "/api/x", "", std::string(64 * 1024, 'b'));
  EXPECT_EQ(ok.status, 200u);
}

// --- static files -----------------------------------------------------------------------------

class StaticTest : public NetTest {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/lcnet-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    base_ = templ;
    root_ = base_ / "site";
    write("index.html", "<h1>index</h1>");
    write("agent.html", "<h1>agent</h1>");
    write("ops/index.html", "<h1>ops</h1>");
    write("app.js", "console.log(1)");
    write("app.js.map", "{}");
    write("style.css", "body{}");
    write("logo.svg", "<svg/>");
    write("logo.png", "png");
    write("data.json", "[]");
    write("favicon.ico", "ico");
    write("font.woff2", "woff2");
    write("api/x", "must not be served");
    std::ofstream(base_ / "secret.txt") << "top secret";
    lc::net::server_options options;
    options.static_dir = root_.string();
    start(options);
  }
  void TearDown() override {
    NetTest::TearDown();
    std::filesystem::remove_all(base_);
  }
  void write(const std::string& rel, const std::string& content) {
    auto path = root_ / rel;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }
  lc::test::http_result get(const std::string& target, const std::string& method = "GET") {
    return lc::test::http_request("127.0.0.1", port_, method, target);
  }

  std::filesystem::path base_;
  std::filesystem::path root_;
};

TEST_F(StaticTest, RootServesIndex) {
  auto res = get("/");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, "<h1>index</h1>");
  EXPECT_EQ(res.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(get("/?utm=1").body, "<h1>index</h1>");
}

TEST_F(StaticTest, ExtensionlessPathsFindHtml) {
  EXPECT_EQ(get("/agent").body, "<h1>agent</h1>");
  EXPECT_EQ(get("/agent?x=1").body, "<h1>agent</h1>");
  EXPECT_EQ(get("/ops").body, "<h1>ops</h1>");
  EXPECT_EQ(get("/ops/").body, "<h1>ops</h1>");
}

TEST_F(StaticTest, ContentTypes) {
  const std::pair<const char*, const char*> cases[] = {
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/app.js.map", "application/json"},
      {"/style.css", "text/css; charset=utf-8"},
      {"/logo.svg", "image/svg+xml"},
      {"/logo.png", "image/png"},
      {"/data.json", "application/json"},
      {"/favicon.ico", "image/x-icon"},
      {"/font.woff2", "font/woff2"},
  };
  for (auto [target, type] : cases) {
    auto res = get(target);
    EXPECT_EQ(res.status, 200u) << target;
    EXPECT_EQ(res.content_type, type) << target;
  }
  EXPECT_EQ(fe_.locked([&] { return fe_.requests.size(); }), 0u);
}

TEST_F(StaticTest, HeadHasNoBody) {
  auto res = get("/app.js", "HEAD");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.content_type, "text/javascript; charset=utf-8");
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_, "HEAD /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("Content-Length: 14"), std::string::npos) << raw;
  EXPECT_TRUE(raw.ends_with("\r\n\r\n")) << raw;
}

TEST_F(StaticTest, TraversalIsRejected) {
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/ops/..%2F..%2Fsecret.txt",
                             "/ops/%2E%2E/%2e%2e/secret.txt", "/%2", "/a%00b"}) {
    auto res = get(target);
    EXPECT_TRUE(res.status == 400u || res.status == 404u) << target << " -> " << res.status;
    EXPECT_EQ(res.body.find("top secret"), std::string::npos) << target;
  }
  EXPECT_EQ(get("/../secret.txt").status, 400u);
}

TEST_F(StaticTest, MissingFilesAndApiGoToFrontend) {
  auto missing = get("/missing.js");
  EXPECT_EQ(missing.body, "GET /missing.js  ");
  auto api = get("/api/x");
  EXPECT_EQ(api.body, "GET /api/x  ");
  auto post = lc::test::http_request("127.0.0.1", port_, "POST", "/", "", "x");
  EXPECT_EQ(post.body, "POST /  x");
  for (const char* target : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(get(target).content_type, "text/plain") << target;
  }
  EXPECT_EQ(fe_.locked([&] { return fe_.requests.size(); }), 6u);
}

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
  // An unmasked frame is a protocol violation from a client: Beast answers with close 1002.
  auto raw = lc::test::raw_exchange(
      "127.0.0.1", port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      1s, std::string("\x82\x05hello\xff\xff\xff", 10));
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 101")) << raw;
  EXPECT_TRUE(raw.ends_with(std::string("\x88\x02\x03\xea", 4)))
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

}  // namespace
