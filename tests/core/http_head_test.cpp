#include "server/core/http_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lc::core {
namespace {

std::string head(const std::string& fields) {
  return "POST /api/x HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

TEST(check_request_head, accepts_ordinary_requests) {
  EXPECT_FALSE(check_request_head(head("")));
  EXPECT_FALSE(check_request_head(head("Content-Length: 3\r\n")));
  EXPECT_FALSE(check_request_head(head("Transfer-Encoding: chunked\r\n")));
  EXPECT_FALSE(check_request_head(head("transfer-encoding:  Chunked \r\n")));
  EXPECT_FALSE(check_request_head(head("TE: trailers\r\n")));
  EXPECT_FALSE(check_request_head("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_FALSE(check_request_head("GET / HTTP/1.0\r\n\r\n"));
}

// Each of these let a body be read as a second request behind a proxy that reads it otherwise.
TEST(check_request_head, refuses_what_smuggling_needs) {
  for (const char* bad :
       {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: identity\r\n", "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
        "Content-Length: 4\r\nContent-Length: 4\r\n", "TE: chunked, identity\r\n",
        "Content-Length : 4\r\n", "X-A: 1\r\n folded\r\n", "X-A: 1\r\n\tfolded\r\n",
        "NoColon\r\n"}) {
    EXPECT_TRUE(check_request_head(head(bad))) << bad;
  }
}

TEST(check_request_head, http11_needs_exactly_one_host) {
  EXPECT_TRUE(check_request_head("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(check_request_head("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
}

TEST(check_request_head, refuses_unterminated_heads) {
  EXPECT_TRUE(check_request_head("GET / HTTP/1.1"));
  EXPECT_TRUE(check_request_head("GET / HTTP/1.1\r\nHost: a"));
}

}  // namespace
}  // namespace lc::core
