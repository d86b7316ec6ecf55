#include "server/app/config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <thread>

#include "tests/support/redis_fixture.hpp"

namespace lc::app {
namespace {

using env_map = std::map<std::string, std::string>;

parse_result parse(std::vector<std::string> args, env_map env = {}) {
  return parse_config(args, [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

config parse_ok(std::vector<std::string> args, env_map env = {}) {
  auto r = parse(std::move(args), std::move(env));
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(r.show_help);
  EXPECT_TRUE(r.cfg.has_value());
  return r.cfg.value_or(config{});
}

std::string parse_error(std::vector<std::string> args, env_map env = {}) {
  auto r = parse(std::move(args), std::move(env));
  EXPECT_FALSE(r.cfg.has_value());
  EXPECT_FALSE(r.error.empty());
  return r.error;
}

TEST(Config, DefaultsWithoutFlagsOrEnv) {
  config c = parse_ok({});
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.redis_url, "");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.appendfsync, "everysec");
  EXPECT_EQ(c.secret, "");
  EXPECT_EQ(c.node_id, "");
  EXPECT_EQ(c.static_dir, "");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.agent_grace, std::chrono::seconds(30));
  EXPECT_EQ(c.visitor_grace, std::chrono::seconds(120));
  EXPECT_EQ(c.match_tick, std::chrono::milliseconds(1000));
  EXPECT_EQ(c.redis_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(c.max_frame_bytes, 65536u);
  EXPECT_EQ(c.max_text_bytes, 8192u);
  EXPECT_EQ(c.send_queue_limit, 256u);
  EXPECT_EQ(c.visitor_token_ttl, std::chrono::seconds(30 * 24 * 3600));
  EXPECT_FALSE(c.sneak_peek) << "staff see drafts only when the operator says so";
}

TEST(Config, SneakPeekIsABoolean) {
  EXPECT_TRUE(parse_ok({"--sneak-peek", "true"}).sneak_peek);
  EXPECT_TRUE(parse_ok({}, {{"LIVECHAT_SNEAK_PEEK", "TRUE"}}).sneak_peek);
  EXPECT_FALSE(parse_ok({"--sneak-peek=false"}).sneak_peek);
  EXPECT_NE(parse_error({"--sneak-peek", "yes"}).find("--sneak-peek"), std::string::npos);
}

TEST(Config, WebhookRetriesLastADayUnlessSetOtherwise) {
  EXPECT_EQ(parse_ok({}).webhook_give_up, std::chrono::seconds(86400));
  EXPECT_EQ(parse_ok({"--webhook-retry-seconds", "30"}).webhook_give_up, std::chrono::seconds(30));
  EXPECT_NE(parse_error({"--webhook-retry-seconds", "0"}).find("--webhook-retry-seconds"),
            std::string::npos);
}

TEST(Config, EveryFlagInBothSpellings) {
  const std::vector<std::string> spaced = {"--listen",
                                           "0.0.0.0:9001",
                                           "--redis",
                                           "redis://10.0.0.5:6380",
                                           "--data-dir",
                                           "/var/lc",
                                           "--appendfsync",
                                           "always",
                                           "--secret",
                                           "s3cret-0123456789abcdef0123456789",
                                           "--node-id",
                                           "node-a",
                                           "--static-dir",
                                           "/srv/web",
                                           "--log-level",
                                           "debug",
                                           "--agent-grace-seconds",
                                           "5",
                                           "--visitor-grace-seconds",
                                           "60",
                                           "--match-interval-ms",
                                           "250",
                                           "--redis-timeout-ms",
                                           "500",
                                           "--max-frame-bytes",
                                           "32768",
                                           "--max-text-bytes",
                                           "4096",
                                           "--send-queue-limit",
                                           "64",
                                           "--visitor-token-ttl-seconds",
                                           "3600"};
  std::vector<std::string> joined;
  for (std::size_t i = 0; i < spaced.size(); i += 2)
    joined.push_back(spaced[i] + "=" + spaced[i + 1]);

  for (const auto& args : {spaced, joined}) {
    config c = parse_ok(args);
    EXPECT_EQ(c.listen_address, "0.0.0.0");
    EXPECT_EQ(c.port, 9001);
    EXPECT_EQ(c.redis_url, "redis://10.0.0.5:6380");
    EXPECT_EQ(c.data_dir, "/var/lc");
    EXPECT_EQ(c.appendfsync, "always");
    EXPECT_EQ(c.secret, "s3cret-0123456789abcdef0123456789");
    EXPECT_EQ(c.node_id, "node-a");
    EXPECT_EQ(c.static_dir, "/srv/web");
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.agent_grace, std::chrono::seconds(5));
    EXPECT_EQ(c.visitor_grace, std::chrono::seconds(60));
    EXPECT_EQ(c.match_tick, std::chrono::milliseconds(250));
    EXPECT_EQ(c.redis_timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(c.max_frame_bytes, 32768u);
    EXPECT_EQ(c.max_text_bytes, 4096u);
    EXPECT_EQ(c.send_queue_limit, 64u);
    EXPECT_EQ(c.visitor_token_ttl, std::chrono::seconds(3600));
  }
}

TEST(Config, EnvironmentVariables) {
  config c = parse_ok({}, {{"LIVECHAT_LISTEN", "0.0.0.0:7000"},
                           {"LIVECHAT_REDIS", "localhost:6400"},
                           {"LIVECHAT_DATA_DIR", "/d"},
                           {"LIVECHAT_APPENDFSYNC", "no"},
                           {"LIVECHAT_SECRET", "envsecret-0123456789abcdef01234567"},
                           {"LIVECHAT_NODE_ID", "n1"},
                           {"LIVECHAT_STATIC_DIR", "/web"},
                           {"LIVECHAT_LOG_LEVEL", "warn"},
                           {"LIVECHAT_AGENT_GRACE_SECONDS", "7"},
                           {"LIVECHAT_VISITOR_GRACE_SECONDS", "8"},
                           {"LIVECHAT_MATCH_INTERVAL_MS", "100"},
                           {"LIVECHAT_REDIS_TIMEOUT_MS", "300"}});
  EXPECT_EQ(c.listen_address, "0.0.0.0");
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.redis_url, "localhost:6400");
  EXPECT_EQ(c.data_dir, "/d");
  EXPECT_EQ(c.appendfsync, "no");
  EXPECT_EQ(c.secret, "envsecret-0123456789abcdef01234567");
  EXPECT_EQ(c.node_id, "n1");
  EXPECT_EQ(c.static_dir, "/web");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.agent_grace, std::chrono::seconds(7));
  EXPECT_EQ(c.visitor_grace, std::chrono::seconds(8));
  EXPECT_EQ(c.match_tick, std::chrono::milliseconds(100));
  EXPECT_EQ(c.redis_timeout, std::chrono::milliseconds(300));
}

TEST(Config, FlagsWinOverEnvironmentWhichWinsOverDefaults) {
  config c =
      parse_ok({"--port", "9100", "--log-level=error"}, {{"LIVECHAT_PORT", "9000"},
                                                         {"LIVECHAT_LOG_LEVEL", "debug"},
                                                         {"LIVECHAT_DATA_DIR", "/from-env"}});
  EXPECT_EQ(c.port, 9100);
  EXPECT_EQ(c.log_level, "error");
  EXPECT_EQ(c.data_dir, "/from-env");
  EXPECT_EQ(c.appendfsync, "everysec");
}

TEST(Config, ListenForms) {
  EXPECT_EQ(parse_ok({"--listen", ":9000"}).listen_address, "127.0.0.1");
  EXPECT_EQ(parse_ok({"--listen", ":9000"}).port, 9000);
  config host_only = parse_ok({"--listen", "0.0.0.0"});
  EXPECT_EQ(host_only.listen_address, "0.0.0.0");
  EXPECT_EQ(host_only.port, 8080);
  config v6 = parse_ok({"--listen", "[::1]:8443"});
  EXPECT_EQ(v6.listen_address, "::1");
  EXPECT_EQ(v6.port, 8443);
  // --port beats the port inside --listen whatever the order; env --port loses to flag --listen.
  EXPECT_EQ(parse_ok({"--port", "9001", "--listen", "0.0.0.0:9002"}).port, 9001);
  EXPECT_EQ(parse_ok({"--listen", "0.0.0.0:9002"}, {{"LIVECHAT_PORT", "9003"}}).port, 9002);
  // The last occurrence of a repeated flag wins.
  EXPECT_EQ(parse_ok({"--port", "1000", "--port", "2000"}).port, 2000);
}

TEST(Config, EmptyEnvironmentValuesCountAsUnset) {
  config c = parse_ok({}, {{"LIVECHAT_PORT", ""}, {"LIVECHAT_LOG_LEVEL", ""}});
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.log_level, "info");
}

TEST(Config, PortZeroAsksForAnyFreePortAndPortFileAndWriteTimeoutAreRead) {
  auto c = parse_ok({"--port", "0", "--port-file", "/tmp/p", "--write-timeout-ms", "2500"});
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.port_file, "/tmp/p");
  EXPECT_EQ(c.write_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(parse_ok({}).write_timeout, std::chrono::seconds(10));
  EXPECT_NE(parse_error({"--write-timeout-ms", "5"}).find("--write-timeout-ms"), std::string::npos);
}

TEST(Config, ErrorsNameTheFlag) {
  EXPECT_NE(parse_error({"--bogus", "1"}).find("--bogus"), std::string::npos);
  EXPECT_NE(parse_error({"--port", "abc"}).find("--port"), std::string::npos);
  EXPECT_NE(parse_error({"--port", "65536"}).find("--port"), std::string::npos);
  EXPECT_NE(parse_error({"--port=-1"}).find("--port"), std::string::npos);
  EXPECT_NE(parse_error({"--port", "80x"}).find("--port"), std::string::npos);
  EXPECT_NE(parse_error({"--listen", "host:99999"}).find("--listen"), std::string::npos);
  EXPECT_NE(parse_error({"--listen", "a:b:c"}).find("--listen"), std::string::npos);
  EXPECT_NE(parse_error({"--appendfsync", "sometimes"}).find("--appendfsync"), std::string::npos);
  EXPECT_NE(parse_error({"--log-level", "verbose"}).find("--log-level"), std::string::npos);
  EXPECT_NE(parse_error({"--redis", "http://x"}).find("--redis"), std::string::npos);
  EXPECT_NE(parse_error({"--match-interval-ms", "0"}).find("--match-interval-ms"),
            std::string::npos);
  EXPECT_NE(parse_error({"--max-frame-bytes", "99999999999999999999"}).find("--max-frame-bytes"),
            std::string::npos);
  EXPECT_NE(parse_error({"--max-text-bytes", "70000"}).find("--max-text-bytes"), std::string::npos);
  EXPECT_NE(parse_error({"--node-id", "bad id"}).find("--node-id"), std::string::npos);
  EXPECT_NE(parse_error({"--port"}).find("--port requires a value"), std::string::npos);
  EXPECT_NE(parse_error({"--port", "--listen", ":1"}).find("--port"), std::string::npos);
  EXPECT_NE(parse_error({"serve"}).find("serve"), std::string::npos);
  EXPECT_NE(parse_error({}, {{"LIVECHAT_PORT", "x"}}).find("LIVECHAT_PORT"), std::string::npos);
  EXPECT_NE(parse_error({}, {{"LIVECHAT_APPENDFSYNC", "x"}}).find("LIVECHAT_APPENDFSYNC"),
            std::string::npos);
}

TEST(Config, BadEnvironmentIsReportedEvenWhenAFlagOverridesIt) {
  // A broken deployment variable should not hide behind a flag that happens to be set today.
  auto err = parse_error({"--port", "9000"}, {{"LIVECHAT_PORT", "nope"}});
  EXPECT_NE(err.find("LIVECHAT_PORT"), std::string::npos);
}

TEST(Config, HelpFlag) {
  EXPECT_TRUE(parse({"-h"}).show_help);
  EXPECT_TRUE(parse({"--help"}).show_help);
  EXPECT_TRUE(parse({"--port", "1", "--help"}).show_help);
  EXPECT_TRUE(parse({"--bogus", "--help"}).show_help);
  EXPECT_FALSE(parse({"--help"}).cfg.has_value());
}

TEST(Config, HelpListsEveryFlagItsEnvAndDefault) {
  const std::string help = config_help();
  for (const char* flag :
       {"--listen", "--port", "--redis", "--data-dir", "--appendfsync", "--secret", "--node-id",
        "--static-dir", "--log-level", "--agent-grace-seconds", "--visitor-grace-seconds",
        "--match-interval-ms", "--redis-timeout-ms", "--max-frame-bytes", "--max-text-bytes",
        "--send-queue-limit", "--visitor-token-ttl-seconds", "--help"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  for (const char* env :
       {"LIVECHAT_LISTEN", "LIVECHAT_PORT", "LIVECHAT_REDIS", "LIVECHAT_DATA_DIR",
        "LIVECHAT_APPENDFSYNC", "LIVECHAT_SECRET", "LIVECHAT_NODE_ID", "LIVECHAT_STATIC_DIR",
        "LIVECHAT_LOG_LEVEL", "LIVECHAT_AGENT_GRACE_SECONDS", "LIVECHAT_VISITOR_GRACE_SECONDS",
        "LIVECHAT_MATCH_INTERVAL_MS", "LIVECHAT_REDIS_TIMEOUT_MS"}) {
    EXPECT_NE(help.find(env), std::string::npos) << env;
  }
  EXPECT_NE(help.find("default: 127.0.0.1:8080"), std::string::npos);
  EXPECT_NE(help.find("default: everysec"), std::string::npos);
  EXPECT_NE(help.find("default: 65536"), std::string::npos);
  for (std::size_t start = 0, end; start < help.size(); start = end + 1) {
    end = help.find('\n', start);
    if (end == std::string::npos) end = help.size();
    EXPECT_LE(end - start, 80u) << help.substr(start, end - start);
  }
}

TEST(Config, SecretFileIsCreatedOnceWithMode0600) {
  test::temp_dir dir("lc-secret");
  const auto data = dir.path() / "nested" / "data";
  const std::string first = load_or_create_secret(data);
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((data / "secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_or_create_secret(data), first);
  // No temp files are left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(data)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(Config, SecretFileIsReadAndTrimmed) {
  test::temp_dir dir("lc-secret");
  std::ofstream(dir.path() / "secret") << "  handmade-secret-0123456789abcdef0123 \n";
  EXPECT_EQ(load_or_create_secret(dir.path()), "handmade-secret-0123456789abcdef0123");
}

// Issue 14: Kubernetes applied its placeholder over the real key and every node signed tokens
// with a public string. A short or placeholder secret is now a start-up error (exit 2).
TEST(Config, ShortOrPlaceholderSecretIsRefused) {
  for (const std::string bad :
       {"short", "0123456789abcdef0123456789abcde" /* 31 bytes */,
        "REPLACE-ME-with-openssl-rand-hex-32", "REPLACE-ME", "replace_me_with_a_long_random_value",
        "changeme", "CHANGE-ME-0123456789abcdef0123456789", "secret",
        "your-secret-here-0123456789abcdefgh", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "00000000000000000000000000000000"}) {
    EXPECT_FALSE(secret_problem(bad).empty()) << bad;
    auto flag = parse_error({"--secret", bad});
    EXPECT_NE(flag.find("--secret"), std::string::npos) << flag;
    auto env = parse_error({}, {{"LIVECHAT_SECRET", bad}});
    EXPECT_NE(env.find("LIVECHAT_SECRET"), std::string::npos) << env;
    // The message does not echo the value: it may be a real (if short) key.
    if (bad.size() > 8) {
      EXPECT_EQ(env.find(bad), std::string::npos) << env;
    }
  }
  EXPECT_NE(parse_error({"--secret", "0123456789"}).find("at least 32"), std::string::npos);
  EXPECT_NE(parse_error({"--secret", "REPLACE-ME-with-openssl-rand-hex-32"}).find("placeholder"),
            std::string::npos);
  // 32 bytes of something random is enough; the generated secret (64 hex digits) passes.
  EXPECT_EQ(secret_problem("0123456789abcdef0123456789abcdef"), "");
  EXPECT_EQ(parse_ok({"--secret", "0123456789abcdef0123456789abcdef"}).secret,
            "0123456789abcdef0123456789abcdef");
  // An empty flag keeps meaning "use <data-dir>/secret".
  EXPECT_EQ(parse_ok({"--secret="}).secret, "");
}

TEST(Config, PlaceholderSecretFileIsAnError) {
  for (const std::string bad : {"REPLACE-ME", "short-handmade"}) {
    test::temp_dir dir("lc-secret");
    std::ofstream(dir.path() / "secret") << bad << "\n";
    EXPECT_THROW(load_or_create_secret(dir.path()), std::runtime_error) << bad;
  }
}

TEST(Config, EmptySecretFileIsAnError) {
  test::temp_dir dir("lc-secret");
  std::ofstream(dir.path() / "secret") << "\n";
  EXPECT_THROW(load_or_create_secret(dir.path()), std::runtime_error);
}

TEST(Config, ConcurrentSecretCreationAgrees) {
  test::temp_dir dir("lc-secret");
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = load_or_create_secret(dir.path()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : got) EXPECT_EQ(s, got[0]);
}

TEST(Config, CompleteConfigFillsSecretAndNodeId) {
  test::temp_dir dir("lc-secret");
  config c;
  c.data_dir = (dir.path() / "d").string();
  complete_config(c);
  EXPECT_EQ(c.secret.size(), 64u);
  EXPECT_FALSE(c.node_id.empty());
  config other;
  other.data_dir = c.data_dir;
  complete_config(other);
  EXPECT_EQ(other.secret, c.secret);
  EXPECT_NE(other.node_id, c.node_id);

  config given;
  given.secret = "x";
  given.node_id = "n";
  given.data_dir = (dir.path() / "unused").string();
  complete_config(given);
  EXPECT_EQ(given.secret, "x");
  EXPECT_EQ(given.node_id, "n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "unused"));
}

}  // namespace
}  // namespace lc::app
