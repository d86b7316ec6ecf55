#include "server/store/resp.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

namespace lc::store {
namespace {

// Held against hiredis's own formatter, which the connection used before.
std::string hiredis_format(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* out = nullptr;
  const long long n =
      redisFormatCommandArgv(&out, static_cast<int>(args.size()), argv.data(), lens.data());
  std::string s(out, static_cast<std::size_t>(n));
  redisFreeCommand(out);
  return s;
}

TEST(Resp, CommandsAreWhatHiredisWouldSend) {
  const std::vector<std::vector<std::string>> commands{
      {"PING"},
      {"FCALL", "lc_post", "0", "n1", "7", "c0123456789abcdef01234567", "1", ""},
      {"SET", "k", std::string("a\0b\r\n", 5)},
      {"XADD", "s", "*", "t", std::string(70000, 'x')},
  };
  for (const auto& c : commands) EXPECT_EQ(resp_command(c), hiredis_format(c)) << c[0];
  EXPECT_EQ(resp_command({"GET", "key"}), "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
}

}  // namespace
}  // namespace lc::store
