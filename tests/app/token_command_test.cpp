#include "server/app/token_command.hpp"

#include <gtest/gtest.h>

#include <map>

#include "server/core/token.hpp"
#include "tests/support/redis_fixture.hpp"

namespace lc::app {
namespace {

token_parse_result parse(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {}) {
  return parse_token_args(args, [env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

std::string error_of(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  EXPECT_FALSE(r.args.has_value());
  return r.error;
}

TEST(TokenCommand, FullForm) {
  auto r = parse({"--agent", "alice", "--name", "Alice Smith", "--departments", "billing,tech",
                  "--capacity", "4", "--admin", "--ttl-hours=48", "--secret",
                  "token-test-secret-0123456789abcdef"});
  ASSERT_TRUE(r.args) << r.error;
  EXPECT_EQ(r.args->agent_id, "alice");
  EXPECT_EQ(r.args->display_name, "Alice Smith");
  EXPECT_EQ(r.args->departments, (std::vector<std::string>{"billing", "tech"}));
  EXPECT_EQ(r.args->capacity, 4u);
  EXPECT_EQ(r.args->role, lc::core::staff_role::admin);
  EXPECT_EQ(r.args->ttl_hours, 48u);
  EXPECT_EQ(r.args->secret, "token-test-secret-0123456789abcdef");
}

TEST(TokenCommand, Defaults) {
  auto r = parse({"--agent=bob", "--departments=sales", "--capacity=2"});
  ASSERT_TRUE(r.args) << r.error;
  EXPECT_EQ(r.args->display_name, "bob");
  EXPECT_EQ(r.args->role, lc::core::staff_role::agent);
  EXPECT_EQ(r.args->ttl_hours, 12u);
  EXPECT_EQ(r.args->secret, "");
  EXPECT_EQ(r.args->data_dir, "./data");
}

TEST(TokenCommand, AdminNeedsNoDepartmentsOrCapacity) {
  auto r = parse({"--agent", "root", "--admin"});
  ASSERT_TRUE(r.args) << r.error;
  EXPECT_TRUE(r.args->departments.empty());
  EXPECT_EQ(r.args->capacity, 0u);
}

TEST(TokenCommand, SecretSources) {
  auto from_env = parse({"--agent", "a", "--admin"},
                        {{"LIVECHAT_SECRET", "token-test-secret-0123456789abcdef"}});
  ASSERT_TRUE(from_env.args);
  EXPECT_EQ(from_env.args->secret, "token-test-secret-0123456789abcdef");

  auto dir_env = parse({"--agent", "a", "--admin"}, {{"LIVECHAT_DATA_DIR", "/d"}});
  ASSERT_TRUE(dir_env.args);
  EXPECT_EQ(dir_env.args->data_dir, "/d");
  EXPECT_EQ(dir_env.args->secret, "");

  auto flag_wins =
      parse({"--agent", "a", "--admin", "--data-dir", "/x"}, {{"LIVECHAT_SECRET", "envs"}});
  ASSERT_TRUE(flag_wins.args);
  EXPECT_EQ(flag_wins.args->secret, "");
  EXPECT_EQ(flag_wins.args->data_dir, "/x");
}

TEST(TokenCommand, Errors) {
  EXPECT_NE(error_of({"--departments", "a", "--capacity", "1"}).find("--agent"), std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--capacity", "1"}).find("--departments"), std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--departments", "x"}).find("--capacity"), std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--departments", "x", "--capacity", "0"}).find("--capacity"),
            std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--departments", "x", "--capacity", "51"}).find("--capacity"),
            std::string::npos);
  EXPECT_NE(error_of({"--agent", "bad id", "--admin"}).find("--agent"), std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--departments", "ok,b@d", "--capacity", "1"})
                .find("--departments"),
            std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--admin", "--ttl-hours", "721"}).find("--ttl-hours"),
            std::string::npos)
      << "a token lives at most 30 days";
  EXPECT_NE(error_of({"--agent", "Zed:convs", "--admin"}).find("--agent"), std::string::npos);
  EXPECT_NE(
      error_of({"--agent", "a", "--departments", "a:b", "--capacity", "1"}).find("--departments"),
      std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--admin", "--ttl-hours", "0"}).find("--ttl-hours"),
            std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--admin", "--secret", "token-test-secret-0123456789abcdef",
                      "--data-dir", "d"})
                .find("exclude"),
            std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--admin", "--frobnicate"}).find("--frobnicate"),
            std::string::npos);
  EXPECT_NE(error_of({"--agent"}).find("--agent requires a value"), std::string::npos);
  EXPECT_NE(error_of({"--agent", "a", "--admin=maybe"}).find("--admin"), std::string::npos);
}

// A token signed with a placeholder is forgeable by anyone who read the same manifest.
TEST(TokenCommand, ShortOrPlaceholderSecretIsRefused) {
  for (const std::string bad : {"s", "REPLACE-ME-with-openssl-rand-hex-32", "changeme"}) {
    EXPECT_NE(error_of({"--agent", "a", "--admin", "--secret", bad}).find("--secret"),
              std::string::npos)
        << bad;
    auto env = parse({"--agent", "a", "--admin"}, {{"LIVECHAT_SECRET", bad}});
    EXPECT_FALSE(env.args.has_value()) << bad;
    EXPECT_NE(env.error.find("LIVECHAT_SECRET"), std::string::npos) << env.error;
  }
}

TEST(TokenCommand, Help) {
  EXPECT_TRUE(parse({"--help"}).show_help);
  EXPECT_TRUE(parse({"-h"}).show_help);
  const std::string help = token_help();
  for (const char* flag : {"--agent", "--name", "--departments", "--capacity", "--admin",
                           "--ttl-hours", "--secret", "--data-dir"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  for (std::size_t start = 0, end; start < help.size(); start = end + 1) {
    end = help.find('\n', start);
    if (end == std::string::npos) end = help.size();
    EXPECT_LE(end - start, 80u) << help.substr(start, end - start);
  }
}

TEST(TokenCommand, IssuedTokenVerifiesWithTheSameSecret) {
  auto r = parse({"--agent", "alice", "--name", "Alice", "--departments", "billing,tech",
                  "--capacity", "4", "--ttl-hours", "2"});
  ASSERT_TRUE(r.args) << r.error;
  const std::int64_t now = 1'700'000'000;
  const std::string token = issue_agent_token(*r.args, "sekrit", now * 1000 + 5);
  auto claims = core::verify_agent_token(token, "sekrit", now + 60);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->agent_id, "alice");
  EXPECT_EQ(claims->display_name, "Alice");
  EXPECT_EQ(claims->departments, (std::vector<std::string>{"billing", "tech"}));
  EXPECT_EQ(claims->capacity, 4u);
  EXPECT_FALSE(claims->admin());
  EXPECT_EQ(claims->expires_at_s, now + 2 * 3600);
  EXPECT_EQ(claims->issued_at_ms, now * 1000 + 5) << "revocation compares the minting time";
  EXPECT_FALSE(core::verify_agent_token(token, "other", now + 60));
  EXPECT_FALSE(core::verify_agent_token(token, "sekrit", now + 3 * 3600));
}

TEST(TokenCommand, ResolveSecretUsesTheServersSecretFile) {
  test::temp_dir dir("lc-token");
  token_args args;
  args.data_dir = dir.path().string();
  const std::string from_file = resolve_token_secret(args);
  EXPECT_EQ(from_file, load_or_create_secret(dir.path()));
  args.secret = "explicit";
  EXPECT_EQ(resolve_token_secret(args), "explicit");
}

}  // namespace
}  // namespace lc::app
