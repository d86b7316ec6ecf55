// The C++ key table (keys.hpp) and the one at the top of livechat.lua name the same keys.
#include "server/store/keys.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

#include "server/store/functions.hpp"

namespace lc::store {
namespace {

// The Lua table's entries, each applied to the id "ID": name -> key.
std::map<std::string, std::string> lua_keys() {
  const std::string src = functions_source;
  std::map<std::string, std::string> out;
  const std::regex fn(
      R"(^\s*(\w+) = function\((\w+)\) return '([^']*)' \.\. \2(?: \.\. '([^']*)')? end)");
  const std::regex lit(R"(^\s*(\w+) = '([^']*)',)");
  std::size_t start = src.find("local K = {");
  const std::size_t end = src.find("\n}", start);
  EXPECT_NE(start, std::string::npos);
  while (start < end) {
    auto nl = src.find('\n', start);
    const std::string line = src.substr(start, nl - start);
    std::smatch m;
    if (std::regex_search(line, m, fn)) {
      out[m[1]] = m[3].str() + "ID" + m[4].str();
    } else if (std::regex_search(line, m, lit)) {
      out[m[1]] = m[2];
    }
    start = nl + 1;
  }
  return out;
}

TEST(Keys, CxxAndLuaTablesAgree) {
  auto lua = lua_keys();
  ASSERT_GT(lua.size(), 20u) << "the keys section of livechat.lua was not found";
  const std::map<std::string, std::string> cxx = {
      {"conv", keys::conversation("ID")},
      {"stream", keys::stream("ID")},
      {"meta", keys::metadata("ID")},
      {"agent", keys::agent("ID")},
      {"agent_convs", keys::agent_conversations("ID")},
      {"visitor", keys::visitor("ID")},
      {"visitor_convs", keys::visitor_conversations("ID")},
      {"offline", keys::offline("ID")},
      {"offline_dept", keys::offline_department("ID")},
      {"offline_all", std::string(keys::offline_all)},
      {"revoked", std::string(keys::revoked)},
      {"addr_queued", keys::address_queued("ID")},
      {"archive_pending", std::string(keys::archive_pending)},
      {"node_channel", keys::node_channel("ID")},
      {"all_channel", std::string(keys::all_channel)},
  };
  for (const auto& [name, key] : cxx) {
    ASSERT_TRUE(lua.contains(name)) << name << " missing from livechat.lua's key table";
    EXPECT_EQ(lua[name], key) << name;
  }
}

TEST(Keys, NoKeyIsSpelledOutsideTheLuaTable) {
  const std::string src = functions_source;
  const auto table_end = src.find("\n}", src.find("local K = {"));
  EXPECT_EQ(src.find("'lc:", table_end), std::string::npos);
}

// The attack of issue 9: "<conv>:meta" as a conversation id named the metadata hash.
TEST(Keys, APartThatWouldChangeTheKeyThrows) {
  EXPECT_THROW(keys::conversation("c1:meta"), std::invalid_argument);
  EXPECT_THROW(keys::agent("zed:convs"), std::invalid_argument);
  EXPECT_THROW(keys::agent_conversations("{x}"), std::invalid_argument);
  EXPECT_THROW(keys::offline_department(""), std::invalid_argument);
  EXPECT_EQ(keys::conversation("c0123"), "lc:conv:c0123");
}

TEST(Keys, ABanKeyIsAKindLetterAndACheckedPart) {
  EXPECT_EQ(keys::ban("a:3132372e302e302e31"), "lc:ban:a:3132372e302e302e31");
  EXPECT_EQ(keys::ban("v:v0123"), "lc:ban:v:v0123");
  for (const char* bad : {"", "a", "a:", "q:1", "a:1:2", "e:{x}", "ab:1"}) {
    EXPECT_THROW(keys::ban(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace lc::store
