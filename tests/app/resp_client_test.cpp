#include "tests/support/resp_client.hpp"

#include <gtest/gtest.h>

#include "tests/support/redis_fixture.hpp"

namespace lc::test {
namespace {

TEST(RespParser, ParsesEveryReplyType) {
  const std::string data =
      "+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhe\r\no\r\n$-1\r\n*3\r\n$1\r\na\r\n*-1\r\n*1\r\n:7\r\n";
  std::size_t pos = 0;
  auto simple = parse_reply(data, pos);
  ASSERT_TRUE(simple);
  EXPECT_EQ(simple->type, resp_value::kind::simple);
  EXPECT_EQ(simple->to_string(), "OK");
  auto error = parse_reply(data, pos);
  EXPECT_TRUE(error->is_error());
  EXPECT_EQ(error->to_string(), "(error) ERR wrong");
  auto integer = parse_reply(data, pos);
  EXPECT_EQ(integer->integer, 42);
  EXPECT_EQ(integer->to_string(), "42");
  auto bulk = parse_reply(data, pos);
  EXPECT_EQ(bulk->text, "he\r\no");  // binary-safe
  auto nil = parse_reply(data, pos);
  EXPECT_TRUE(nil->is_nil());
  EXPECT_EQ(nil->to_string(), "(nil)");
  auto array = parse_reply(data, pos);
  ASSERT_TRUE(array);
  EXPECT_EQ(array->to_string(), "[a, (nil), [7]]");
  EXPECT_EQ(array->to_list(), (std::vector<std::string>{"a", "(nil)", "[7]"}));
  EXPECT_EQ(pos, data.size());
}

TEST(RespParser, IncompleteDataLeavesPositionAlone) {
  for (const std::string partial : {"+OK", "$5\r\nhel", "*2\r\n:1\r\n", ":1\r"}) {
    std::size_t pos = 0;
    EXPECT_FALSE(parse_reply(partial, pos)) << partial;
    EXPECT_EQ(pos, 0u);
  }
  std::size_t pos = 0;
  EXPECT_THROW(parse_reply("?x\r\n", pos), std::runtime_error);
}

TEST(RespParser, EncodesCommandsAsBulkArrays) {
  EXPECT_EQ(encode_command({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

class RedisFixtureSuite : public redis_suite {};

TEST_F(RedisFixtureSuite, CommandsAndReplies) {
  EXPECT_EQ(redis().command({"SET", "k", "v w"}), "OK");
  EXPECT_EQ(redis().command({"GET", "k"}), "v w");
  EXPECT_EQ(redis().command({"GET", "missing"}), "(nil)");
  EXPECT_EQ(redis().command({"INCR", "n"}), "1");
  EXPECT_EQ(redis().command({"INCR", "k"}).rfind("(error) ERR", 0), 0u);
  EXPECT_EQ(redis().command(std::vector<std::string>{"RPUSH", "l", "a", "b"}), "2");
  EXPECT_EQ(redis().command_list({"LRANGE", "l", "0", "-1"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(redis().call({"HGETALL", "none"}).type, resp_value::kind::array);
  // Large values come back intact across many reads.
  const std::string big(300000, 'x');
  EXPECT_EQ(redis().command({"SET", "big", big}), "OK");
  EXPECT_EQ(redis().command({"GET", "big"}), big);
}

TEST_F(RedisFixtureSuite, EachTestStartsEmpty) {
  EXPECT_EQ(redis().command({"DBSIZE"}), "0");
  redis().command({"SET", "left", "behind"});
}

TEST_F(RedisFixtureSuite, EachTestStartsEmptyAgain) {
  EXPECT_EQ(redis().command({"DBSIZE"}), "0");
  EXPECT_EQ(redis().host(), "127.0.0.1");
  EXPECT_NE(redis().port(), 0);
  EXPECT_EQ(redis().url(), "redis://127.0.0.1:" + std::to_string(redis().port()));
  EXPECT_EQ(redis().command({"CONFIG", "GET", "appendonly"}), "[appendonly, yes]");
}

TEST(RedisFixture, UnixSocketAndCrashRestart) {
  redis_fixture redis({.use_unix_socket = true, .appendfsync = "always"});
  EXPECT_EQ(redis.port(), 0);
  EXPECT_FALSE(redis.unix_socket().empty());
  EXPECT_EQ(redis.command({"SET", "durable", "yes"}), "OK");
  redis.restart(/*crash=*/true);
  EXPECT_EQ(redis.command({"GET", "durable"}), "yes");
}

TEST(RedisFixture, RestartKeepsTheTcpAddressAndRemovesItsDirAfterwards) {
  std::filesystem::path dir;
  {
    redis_fixture redis;
    dir = redis.data_dir();
    const auto port = redis.port();
    redis.command({"SET", "a", "1"});
    redis.restart();
    EXPECT_EQ(redis.port(), port);
    EXPECT_EQ(redis.command({"GET", "a"}), "1");
    redis.flushall();
    EXPECT_EQ(redis.command({"DBSIZE"}), "0");
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace lc::test
