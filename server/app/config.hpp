#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/app/address.hpp"
#include "server/core/file_type.hpp"

namespace lc::app {

// Everything the server can be told at startup; defaults are what `livechat` runs with bare.
struct config {
  std::string listen_address = "127.0.0.1";  // --listen / LIVECHAT_LISTEN ("host:port", ":port")
  std::uint16_t port = 8080;                 // --port / LIVECHAT_PORT (0: any free port)
  std::string port_file{};                   // --port-file / LIVECHAT_PORT_FILE
  std::string redis_url{};          // --redis / LIVECHAT_REDIS: "redis://host:port", "host:port",
                                    // "unix:///path"; empty = embedded redis-server in data_dir
  std::string data_dir = "./data";  // --data-dir / LIVECHAT_DATA_DIR
  std::string appendfsync = "everysec";  // --appendfsync / LIVECHAT_APPENDFSYNC
  std::string secret{};      // --secret / LIVECHAT_SECRET; empty = <data_dir>/secret (see below)
  std::string node_id{};     // --node-id / LIVECHAT_NODE_ID; empty = random (see below)
  std::string static_dir{};  // --static-dir / LIVECHAT_STATIC_DIR; empty = none
  std::string log_level = "info";                          // --log-level / LIVECHAT_LOG_LEVEL
  std::chrono::seconds agent_grace{30};                    // --agent-grace-seconds
  std::chrono::seconds visitor_grace{120};                 // --visitor-grace-seconds
  std::chrono::milliseconds match_tick{1000};              // --match-interval-ms
  std::chrono::milliseconds node_lease{10000};             // --node-lease-ms
  std::chrono::milliseconds redis_timeout{2000};           // --redis-timeout-ms
  std::size_t max_frame_bytes = 65536;                     // --max-frame-bytes
  std::size_t max_text_bytes = 8192;                       // --max-text-bytes
  std::size_t send_queue_limit = 256;                      // --send-queue-limit
  std::chrono::milliseconds write_timeout{10000};          // --write-timeout-ms
  std::chrono::seconds visitor_token_ttl{30 * 24 * 3600};  // --visitor-token-ttl-seconds
  // What the operator defines and what bounds an anonymous client (issue 9's threat model).
  std::vector<std::string> departments{"support", "billing", "tech", "sales"};  // --departments
  std::vector<std::string> allowed_origins{};  // --allowed-origins; empty = any origin
  std::vector<std::string> trusted_proxies{};  // --trusted-proxies: their X-Forwarded-For counts
  std::uint32_t max_connections_per_address = 64;  // --connections-per-address
  std::uint32_t max_connections = 0;               // --max-connections; 0 = from RLIMIT_NOFILE
  std::chrono::milliseconds hello_timeout{5000};   // --hello-timeout-ms
  std::uint32_t max_messages_before_answer = 20;   // --max-messages-before-answer
  std::uint32_t max_queued_per_address = 5;        // --max-queued-per-address
  std::uint32_t joins_per_minute = 6;              // --joins-per-minute (per address, visitor)
  std::uint32_t offline_messages_per_hour = 10;    // --offline-messages-per-hour
  std::uint32_t messages_per_second = 20;          // --messages-per-second
  std::string redis_maxmemory = "256mb";           // --redis-maxmemory (embedded Redis only)
  // The system of record: a libpq URI or key=value string; empty = an embedded PostgreSQL in
  // <data_dir>/postgres.
  std::string postgres_url{};          // --postgres / LIVECHAT_POSTGRES
  std::chrono::hours keep_closed{24};  // --keep-closed-hours
  // A chat assigned and not answered by its agent within this goes back to the front of the
  // queue, to another agent; 0: never.
  std::chrono::seconds reassign_after{60};  // --reassign-after-seconds
  bool reassign_sets_away = true;           // --reassign-sets-away
  bool sneak_peek = false;                  // --sneak-peek
  // Files in chat (with the system of record): the largest upload, 0 = off, and the types taken.
  std::uint64_t max_file_mb = 10;                                    // --max-file-mb
  std::vector<std::string> file_types = core::default_file_types();  // --file-types
  std::uint32_t uploads_per_hour = 30;  // --uploads-per-hour (per visitor; twice per address)
  std::string clamd_socket{};           // --clamd-socket: scan uploads with clamd; "" = no scan
  std::chrono::seconds webhook_give_up{86400};  // --webhook-retry-seconds
  std::chrono::days retention{0};               // --retention-days; 0 = for ever
  bool retention_anonymise = false;             // --retention-mode delete|anonymise
  // Email (transcripts for visitors, answers to offline messages): off while smtp_url is empty.
  std::string smtp_url{};                    // --smtp-url: smtp://HOST[:PORT], smtps://HOST[:PORT]
  std::string smtp_from{};                   // --smtp-from: required with --smtp-url
  std::string smtp_from_name = "Support";    // --smtp-from-name: From's name, the team's name
  std::string smtp_user{};                   // --smtp-user: AUTH when set
  std::string smtp_password_file{};          // --smtp-password-file (read by complete_config)
  std::string smtp_password{};               // the file's first line
  std::string smtp_tls = "require";          // --smtp-tls: require, try or none (STARTTLS)
  std::chrono::seconds mail_give_up{86400};  // --mail-retry-seconds
};

struct parse_result {
  std::optional<config> cfg{};  // set on success (and not when show_help)
  bool show_help = false;
  std::string error{};  // names the offending flag or environment variable
};

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

// Defaults, then LIVECHAT_* environment variables, then flags: flags win over env, env over
// defaults. Within one layer --port beats the port part of --listen. Empty environment values
// count as unset; a malformed one is an error even when a flag overrides it, so a broken
// deployment setting cannot hide. `args` excludes the program name and any subcommand. secret and
// node_id are left empty when not given: complete_config() fills them.
parse_result parse_config(std::span<const std::string> args, const env_lookup& env);

// env_lookup backed by ::getenv.
env_lookup process_env();

// The --help text: every flag, its environment variable, default, and meaning.
std::string config_help();

// Fills what parse_config leaves to runtime: a random node_id, the secret from
// load_or_create_secret(data_dir), and the SMTP password from its file. Throws
// std::runtime_error when the secret file or the password file is unusable.
void complete_config(config& cfg);

// The shortest signing secret accepted: 32 bytes, the HMAC-SHA256 key size (the generated secret
// is 64 hex digits).
inline constexpr std::size_t min_secret_bytes = 32;

// Why `secret` must not sign tokens, or "" when it may: shorter than min_secret_bytes, or a
// placeholder from documentation and manifests (REPLACE-ME..., changeme, ...), which anyone can
// read and so forge tokens with. The server and `livechat token` refuse such a secret.
std::string secret_problem(std::string_view secret);

// Reads <data_dir>/secret, or creates it (32 random bytes as hex, mode 0600) if missing.
// Creation is atomic, so concurrent first starts agree on one secret. Throws
// std::runtime_error when the file cannot be read or created, is empty, or holds a secret that
// secret_problem() rejects.
std::string load_or_create_secret(const std::filesystem::path& data_dir);

}  // namespace lc::app
