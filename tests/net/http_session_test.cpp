// HTTP on the shared port: requests to the frontend, errors, static files.
#include "tests/net/net_env.hpp"

namespace lc::net_test {
namespace {

using namespace std::string_literals;

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

// The agent console must not be framed (clickjacking) nor run injected scripts.
TEST_F(StaticTest, PagesCarryCspFrameAndReferrerPolicies) {
  auto raw = lc::test::raw_exchange("127.0.0.1", port_,
                                    "GET /agent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("Content-Security-Policy: default-src 'self'"), std::string::npos) << raw;
  EXPECT_NE(raw.find("frame-ancestors 'none'"), std::string::npos) << raw;
  // Chat files are fetched with a token and shown from blob: URLs.
  EXPECT_NE(raw.find("img-src 'self' data: blob:;"), std::string::npos) << raw;
  EXPECT_NE(raw.find("script-src 'self';"), std::string::npos) << raw;
  EXPECT_NE(raw.find("X-Frame-Options: DENY"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Referrer-Policy: no-referrer"), std::string::npos) << raw;
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

// A head trickling in (slowloris) is no reason to keep out a health check at the limit.
TEST_F(NetTest, AtTheConnectionLimitAHalfSentRequestIsDisplaced) {
  lc::net::server_options options;
  options.max_connections = 1;
  start(options);
  const auto started = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] {
    return lc::test::raw_exchange("127.0.0.1", port_, "GET /healthz HTTP/1.1\r\nHo", 8s);
  });
  ASSERT_TRUE(eventually([&] { return server_->connection_count() == 1; }));
  auto res = lc::test::http_request("127.0.0.1", port_, "GET", "/healthz");
  EXPECT_EQ(res.status, 200u);
  ASSERT_EQ(slow.wait_for(wait_limit), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 6s) << "closed, not timed out";
}

// --- RFC 9112 strictness (issue 9) ------------------------------------------------------------

// "Transfer-Encoding: xchunked" was accepted and the body parsed as a second request.
TEST_F(NetTest, SmugglingShapedRequestsAreRefusedAndTheConnectionClosed) {
  start();
  for (const std::string& fields :
       {"Transfer-Encoding: xchunked\r\n"s, "Transfer-Encoding: chunked, identity\r\n"s,
        "TE: chunked, identity\r\n"s, "X-Folded: a\r\n b\r\n"s,
        "Transfer-Encoding: chunked\r\nContent-Length: 30\r\n"s}) {
    auto raw = lc::test::raw_exchange("127.0.0.1", port_,
                                      "POST /api/a HTTP/1.1\r\nHost: x\r\n" + fields +
                                          "\r\nGET /api/smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(raw.starts_with("HTTP/1.1 400")) << fields << raw;
    EXPECT_EQ(raw.find("HTTP/1.1", 5), std::string::npos) << "one answer only: " << raw;
  }
  auto requests = fe_.locked([&] { return fe_.requests; });
  EXPECT_TRUE(requests.empty()) << requests.front().target;
}

// --- streamed bodies ----------------------------------------------------------------------------

TEST_F(NetTest, AnUploadReachesTheSinkInPiecesNeverWhole) {
  start();
  const std::string body = std::string(300 * 1024, 'u') + "end";
  auto res = lc::test::http_request("127.0.0.1", port_, "POST", "/upload?x=1", "Bearer t", body);
  EXPECT_EQ(res.status, 201u);
  EXPECT_EQ(res.body, std::to_string(body.size()));
  fe_.locked([&] {
    EXPECT_EQ(fe_.uploaded, body);
    EXPECT_TRUE(fe_.upload_complete);
    EXPECT_EQ(fe_.upload_finishes, 1);
    EXPECT_GE(fe_.upload_pieces.size(), 5U);
    for (auto n : fe_.upload_pieces) EXPECT_LE(n, 64U * 1024);
    // The sink saw the head: method, target, authorization, length.
    const auto& head = fe_.requests.back();
    EXPECT_EQ(head.target, "/upload?x=1");
    EXPECT_EQ(head.authorization, "Bearer t");
    EXPECT_EQ(head.content_length, body.size());
    EXPECT_TRUE(head.body.empty());
    return 0;
  });
}

TEST_F(NetTest, AnUploadOverItsLimitStopsWhileReading) {
  fe_.upload_limit = 100 * 1024;
  start();
  // Chunked, so no Content-Length tells in advance: the limit is found while reading.
  std::string req = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "8000\r\n" + std::string(0x8000, 'c') + "\r\n";
  req += "0\r\n\r\n";
  auto raw = lc::test::raw_exchange("127.0.0.1", port_, req);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 413")) << raw.substr(0, 200);
  fe_.locked([&] {
    EXPECT_TRUE(fe_.upload_too_large);
    EXPECT_FALSE(fe_.upload_complete);
    EXPECT_LE(fe_.uploaded.size(), 100U * 1024);
    return 0;
  });
  // A Content-Length over the limit is refused before a byte of the body is read.
  auto res = lc::test::http_request("127.0.0.1", port_, "POST", "/upload", "",
                                    std::string(200 * 1024, 'd'));
  EXPECT_EQ(res.status, 413u);
}

TEST_F(NetTest, ARefusedHeadOrPieceAnswersAndCloses) {
  start();
  auto denied = lc::test::http_request("127.0.0.1", port_, "POST", "/upload?deny", "", "abc");
  EXPECT_EQ(denied.status, 403u);
  EXPECT_EQ(fe_.locked([&] { return fe_.upload_finishes; }), 0);
  auto refused = lc::test::http_request("127.0.0.1", port_, "POST", "/upload", "",
                                        "REFUSE" + std::string(100 * 1024, 'r'));
  EXPECT_EQ(refused.status, 415u);
  fe_.locked([&] {
    EXPECT_EQ(fe_.upload_pieces.size(), 1U);  // nothing read after the refused piece
    EXPECT_FALSE(fe_.upload_complete);
    return 0;
  });
}

TEST_F(NetTest, ADownloadIsWrittenPieceByPieceAndTheConnectionStaysUsable) {
  start();
  const std::string req = "GET /download HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string second = "GET /api/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto raw = lc::test::raw_exchange("127.0.0.1", port_, req + second);
  const auto end = raw.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_NE(raw.substr(0, end).find("Content-Length: 409600"), std::string::npos)
      << raw.substr(0, end);
  const std::string body = raw.substr(end + 4, 409600);
  EXPECT_EQ(body, std::string(102400, 'e') + std::string(102400, 'd') + std::string(102400, 'c') +
                      std::string(102400, 'b'));
  EXPECT_NE(raw.find("GET /api/after", end), std::string::npos);  // the next request's answer
}

TEST_F(NetTest, ADownloadCutShortClosesTheConnection) {
  fe_.download_short = true;
  start();
  auto raw = lc::test::raw_exchange("127.0.0.1", port_,
                                    "GET /download HTTP/1.1\r\nHost: x\r\n\r\nGET /api/after "
                                    "HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200")) << raw.substr(0, 100);
  EXPECT_EQ(raw.find("GET /api/after"), std::string::npos);
}

}  // namespace
}  // namespace lc::net_test
