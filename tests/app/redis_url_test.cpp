#include <gtest/gtest.h>

#include "server/app/config.hpp"

namespace lc::app {
namespace {

TEST(RedisUrl, TcpForms) {
  auto a = parse_redis_url("redis://10.1.2.3:6380");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "10.1.2.3");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->unix_socket, "");

  auto b = parse_redis_url("redis-host:7000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "redis-host");
  EXPECT_EQ(b->port, 7000);

  auto c = parse_redis_url("redis://cache.internal");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "cache.internal");
  EXPECT_EQ(c->port, 6379);

  auto d = parse_redis_url("localhost");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "localhost");
  EXPECT_EQ(d->port, 6379);

  auto e = parse_redis_url("redis://[::1]:6390/0");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 6390);

  EXPECT_TRUE(parse_redis_url("redis://h:1/"));
}

TEST(RedisUrl, UnixForms) {
  auto a = parse_redis_url("unix:///var/run/redis/redis.sock");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->unix_socket, "/var/run/redis/redis.sock");
  EXPECT_EQ(a->host, "");

  auto b = parse_redis_url("/tmp/r.sock");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->unix_socket, "/tmp/r.sock");
}

TEST(RedisUrl, Malformed) {
  for (const char* bad : {"",
                          "redis://",
                          "redis://:6379",
                          ":6379",
                          "redis://host:0",
                          "redis://host:65536",
                          "redis://host:port",
                          "host:",
                          "redis://user:pw@host:6379",
                          "redis://host:6379/2",
                          "rediss://host:6379",
                          "http://host:80",
                          "unix://",
                          "unix://relative/path",
                          "unix:///",
                          "a:b:c",
                          "redis://[::1",
                          "redis://ho st:1",
                          "redis://host:6379?db=1",
                          "host:-1",
                          "host:12x"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
  std::string long_path = "unix:///" + std::string(120, 'a');
  EXPECT_FALSE(parse_redis_url(long_path));
}

}  // namespace
}  // namespace lc::app

namespace lc::app {
namespace {

TEST(RedisUrlSentinel, ParsesSentinelListAndMasterName) {
  auto ep = parse_redis_url("sentinel://10.0.0.1:26380,sentinel-b/mymaster");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->master_name, "mymaster");
  ASSERT_EQ(ep->sentinels.size(), 2u);
  EXPECT_EQ(ep->sentinels[0].first, "10.0.0.1");
  EXPECT_EQ(ep->sentinels[0].second, 26380);
  EXPECT_EQ(ep->sentinels[1].first, "sentinel-b");
  EXPECT_EQ(ep->sentinels[1].second, 26379);
}

TEST(RedisUrlSentinel, RejectsMissingNameOrHosts) {
  EXPECT_FALSE(parse_redis_url("sentinel://h1:26379"));
  EXPECT_FALSE(parse_redis_url("sentinel://h1:26379/"));
  EXPECT_FALSE(parse_redis_url("sentinel:///mymaster"));
  EXPECT_FALSE(parse_redis_url("sentinel://h1:notaport/m"));
  EXPECT_FALSE(parse_redis_url("sentinel://h1,,h2/m"));
}

}  // namespace
}  // namespace lc::app
