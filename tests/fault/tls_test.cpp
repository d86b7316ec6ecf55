// The README's TLS path, run for real: nginx with deploy/nginx/livechat.conf's TLS settings in
// front of a node; a client verifies the certificate and talks HTTPS and WSS through it.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "livechat/v1/livechat.pb.h"
#include "tests/fault/nginx_process.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_process.hpp"

namespace lc::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
namespace pb = livechat::v1;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_ = make_test_certificate(dir_.path() / "tls");
    server_options o;
    o.binary = LIVECHAT_BINARY;
    o.health_target = "/readyz";
    o.args = {
        "--redis",           redis_.url(), "--secret",    "tls-test-secret-0123456789abcdef0123",
        "--trusted-proxies", "127.0.0.1",  "--log-level", "warn"};
    node_ = server_process::start(o);
    lb_ = std::make_unique<nginx_process>(dir_, std::vector<std::uint16_t>{node_->port()}, &tls_);
  }

  // A TLS connection to nginx that verifies its certificate for "localhost".
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> connect(ssl::context& ctx) {
    auto stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, ctx);
    beast::get_lowest_layer(*stream).expires_after(10s);
    beast::get_lowest_layer(*stream).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), lb_->tls_port()));
    SSL_set_tlsext_host_name(stream->native_handle(), "localhost");
    stream->set_verify_callback(ssl::host_name_verification("localhost"));
    stream->handshake(ssl::stream_base::client);
    return stream;
  }

  ssl::context verifying_context() {
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(tls_.certificate.string());
    ctx.set_verify_mode(ssl::verify_peer);
    return ctx;
  }

  redis_fixture redis_;
  temp_dir dir_;
  tls_files tls_;
  std::unique_ptr<server_process> node_;
  std::unique_ptr<nginx_process> lb_;
  asio::io_context io_;
};

TEST_F(Tls, HttpsAnswersWithHstsOverAModernProtocol) {
  auto ctx = verifying_context();
  auto stream = connect(ctx);
  const std::string version = SSL_get_version(stream->native_handle());
  EXPECT_TRUE(version == "TLSv1.3" || version == "TLSv1.2") << version;
  http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
  req.set(http::field::host, "localhost");
  http::write(*stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(*stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_NE(std::string(res["Strict-Transport-Security"]).find("max-age="), std::string::npos);
}

TEST_F(Tls, AVisitorSaysHelloOverWss) {
  auto ctx = verifying_context();
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io_, ctx);
  beast::get_lowest_layer(ws).expires_after(10s);
  beast::get_lowest_layer(ws).connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), lb_->tls_port()));
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
  ws.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost", "/ws");
  ws.binary(true);
  pb::ClientEnvelope hello;
  hello.set_request_id(1);
  hello.mutable_hello()->set_client_version("tls-test");
  ws.write(asio::buffer(hello.SerializeAsString()));
  beast::flat_buffer buffer;
  ws.read(buffer);
  pb::ServerEnvelope reply;
  ASSERT_TRUE(reply.ParseFromString(beast::buffers_to_string(buffer.data())));
  ASSERT_TRUE(reply.has_welcome()) << reply.DebugString();
  EXPECT_EQ(reply.welcome().role(), pb::ROLE_VISITOR);
  // nginx may reset the TLS connection once the node's close frame is through: not our concern.
  boost::system::error_code ignored;
  ws.close(websocket::close_code::normal, ignored);
}

TEST_F(Tls, OldProtocolsAndUnknownCertificatesAreRefused) {
  ssl::context old(ssl::context::tls_client);
  old.set_verify_mode(ssl::verify_none);
  SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
  EXPECT_THROW(connect(old), boost::system::system_error) << "TLS 1.1 must not be offered";
  ssl::context strict(ssl::context::tls_client);
  strict.set_default_verify_paths();  // the system's CAs do not know the test certificate
  strict.set_verify_mode(ssl::verify_peer);
  EXPECT_THROW(connect(strict), boost::system::system_error);
}

}  // namespace
}  // namespace lc::test
