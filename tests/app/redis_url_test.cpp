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
