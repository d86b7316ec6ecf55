#include "server/app/config_options.hpp"

#include "server/app/flags.hpp"

#include "server/core/address_match.hpp"
#include "server/core/ids.hpp"
#include "server/core/mail.hpp"
#include "server/core/validate.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lc::app {
namespace {

std::string range_error(std::string_view value, std::uint64_t lo, std::uint64_t hi) {
  return "invalid value '" + std::string(value) + "' (expected an integer in " +
         std::to_string(lo) + ".." + std::to_string(hi) + ")";
}

// Returns an error text, or "" after storing the value.
template <typename T>
std::string set_uint(T& out, std::string_view value, std::uint64_t lo, std::uint64_t hi) {
  auto v = parse_uint(value);
  if (!v || *v < lo || *v > hi) return range_error(value, lo, hi);
  out = static_cast<T>(*v);
  return {};
}

template <typename Duration>
std::string set_duration(Duration& out, std::string_view value, std::uint64_t lo,
                         std::uint64_t hi) {
  auto v = parse_uint(value);
  if (!v || *v < lo || *v > hi) return range_error(value, lo, hi);
  out = Duration(static_cast<typename Duration::rep>(*v));
  return {};
}

std::string join_list(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& x : list) out += (out.empty() ? "" : ",") + x;
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string set_bool(bool& out, std::string_view value) {
  const auto b = to_lower(value);
  if (b != "true" && b != "false")
    return "invalid value '" + std::string(value) + "' (true or false)";
  out = b == "true";
  return {};
}

constexpr std::uint64_t day_s = 24ULL * 3600;

}  // namespace

std::span<const option_spec> option_table() {
  static const option_spec table[] = {
      {"--listen", "LIVECHAT_LISTEN", "HOST:PORT",
       "Address to accept HTTP/WebSocket on; \":PORT\" keeps the host, 0.0.0.0:PORT listens on "
       "all interfaces",
       [](config& c, const std::string& v) -> std::string {
         auto hp = split_host_port(v);
         if (!hp) return "invalid address '" + v + "' (expected HOST:PORT, :PORT or HOST)";
         if (!hp->host.empty()) c.listen_address = hp->host;
         if (hp->port) c.port = *hp->port;
         return {};
       },
       [](const config& c) { return c.listen_address + ":" + std::to_string(c.port); }},
      {"--port", "LIVECHAT_PORT", "N",
       "TCP port to listen on (overrides the port in --listen); 0 lets the system choose one "
       "(see --port-file)",
       [](config& c, const std::string& v) { return set_uint(c.port, v, 0, 65535); },
       [](const config& c) { return std::to_string(c.port); }},
      {"--port-file", "LIVECHAT_PORT_FILE", "FILE",
       "Once listening, write the bound port to FILE (atomically), for supervisors and tests "
       "that start the server on port 0",
       [](config& c, const std::string& v) -> std::string {
         c.port_file = v;
         return {};
       },
       [](const config&) { return std::string("none"); }},
      {"--redis", "LIVECHAT_REDIS", "URL",
       "External Redis: redis://HOST:PORT, HOST:PORT or unix:///PATH; empty runs an embedded "
       "redis-server in --data-dir",
       [](config& c, const std::string& v) -> std::string {
         if (!v.empty() && !parse_redis_url(v)) {
           return "invalid Redis URL '" + v +
                  "' (expected redis://HOST:PORT, HOST:PORT, unix:///PATH or "
                  "sentinel://HOST:PORT,.../MASTER)";
         }
         c.redis_url = v;
         return {};
       },
       [](const config&) { return std::string("embedded"); }},
      {"--data-dir", "LIVECHAT_DATA_DIR", "DIR",
       "Directory for the embedded Redis data (AOF) and the generated secret",
       [](config& c, const std::string& v) -> std::string {
         if (v.empty()) return "must not be empty";
         c.data_dir = v;
         return {};
       },
       [](const config& c) { return c.data_dir; }},
      {"--appendfsync", "LIVECHAT_APPENDFSYNC", "MODE",
       "Embedded Redis AOF fsync policy: always (no loss), everysec (<=1 s loss) or no",
       [](config& c, const std::string& v) -> std::string {
         std::string m = to_lower(v);
         if (m != "always" && m != "everysec" && m != "no") {
           return "invalid value '" + v + "' (expected always, everysec or no)";
         }
         c.appendfsync = m;
         return {};
       },
       [](const config& c) { return c.appendfsync; }},
      {"--secret", "LIVECHAT_SECRET", "S",
       "HMAC key for agent and visitor tokens; set the same value on every node; at least 32 bytes "
       "(openssl rand -hex 32), never a placeholder. Empty reads or creates <data-dir>/secret",
       [](config& c, const std::string& v) -> std::string {
         // Empty keeps the documented meaning: use <data-dir>/secret.
         if (auto problem = v.empty() ? "" : secret_problem(v); !problem.empty()) return problem;
         c.secret = v;
         return {};
       },
       [](const config&) { return std::string("<data-dir>/secret"); }},
      {"--node-id", "LIVECHAT_NODE_ID", "ID",
       "Name of this server node in Redis (presence, pub/sub); empty = random",
       [](config& c, const std::string& v) -> std::string {
         for (char ch : v) {
           // No ':' or braces: the node id is a part of Redis keys.
           if (std::isalnum(static_cast<unsigned char>(ch)) == 0 && ch != '-' && ch != '_' &&
               ch != '.') {
             return "invalid node id '" + v + "' (allowed: A-Z a-z 0-9 - _ .)";
           }
         }
         if (v.size() > 64) return "node id longer than 64 bytes";
         c.node_id = v;
         return {};
       },
       [](const config&) { return std::string("random"); }},
      {"--static-dir", "LIVECHAT_STATIC_DIR", "DIR",
       "Serve the web client build from DIR at /; empty serves no files",
       [](config& c, const std::string& v) -> std::string {
         c.static_dir = v;
         return {};
       },
       [](const config&) { return std::string("none"); }},
      {"--log-level", "LIVECHAT_LOG_LEVEL", "LEVEL",
       "Log verbosity: trace, debug, info, warn, error or off",
       [](config& c, const std::string& v) -> std::string {
         std::string l = to_lower(v);
         if (l != "trace" && l != "debug" && l != "info" && l != "warn" && l != "error" &&
             l != "off") {
           return "invalid log level '" + v + "' (expected trace, debug, info, warn, error or off)";
         }
         c.log_level = l;
         return {};
       },
       [](const config& c) { return c.log_level; }},
      {"--agent-grace-seconds", "LIVECHAT_AGENT_GRACE_SECONDS", "N",
       "How long a disconnected agent keeps their conversations before they are requeued",
       [](config& c, const std::string& v) { return set_duration(c.agent_grace, v, 0, day_s); },
       [](const config& c) { return std::to_string(c.agent_grace.count()); }},
      {"--visitor-grace-seconds", "LIVECHAT_VISITOR_GRACE_SECONDS", "N",
       "How long a visitor may be gone while queued/assigned before the conversation is closed "
       "as missed/abandoned",
       [](config& c, const std::string& v) {
         return set_duration(c.visitor_grace, v, 0, 7 * day_s);
       },
       [](const config& c) { return std::to_string(c.visitor_grace.count()); }},
      {"--match-interval-ms", "LIVECHAT_MATCH_INTERVAL_MS", "MS",
       "Period of the matcher that assigns queued visitors to free agents",
       [](config& c, const std::string& v) { return set_duration(c.match_tick, v, 10, 600000); },
       [](const config& c) { return std::to_string(c.match_tick.count()); }},
      {"--node-lease-ms", "LIVECHAT_NODE_LEASE_MS", "MS",
       "Lifetime of this node's lease in Redis; renewed every match interval. A node silent "
       "this long is dead: its agents get their grace period, its stale writes are refused",
       [](config& c, const std::string& v) { return set_duration(c.node_lease, v, 200, 600000); },
       [](const config& c) { return std::to_string(c.node_lease.count()); }},
      {"--redis-timeout-ms", "LIVECHAT_REDIS_TIMEOUT_MS", "MS",
       "Timeout of one Redis command; slower replies fail the request",
       [](config& c, const std::string& v) { return set_duration(c.redis_timeout, v, 10, 600000); },
       [](const config& c) { return std::to_string(c.redis_timeout.count()); }},
      {"--max-frame-bytes", "LIVECHAT_MAX_FRAME_BYTES", "N",
       "Largest WebSocket frame accepted; larger ones close the socket (1009)",
       [](config& c, const std::string& v) {
         return set_uint(c.max_frame_bytes, v, 1024, 64ULL << 20);
       },
       [](const config& c) { return std::to_string(c.max_frame_bytes); }},
      {"--max-text-bytes", "LIVECHAT_MAX_TEXT_BYTES", "N",
       "Largest chat message text in bytes (must not exceed --max-frame-bytes)",
       [](config& c, const std::string& v) {
         return set_uint(c.max_text_bytes, v, 1, 16ULL << 20);
       },
       [](const config& c) { return std::to_string(c.max_text_bytes); }},
      {"--send-queue-limit", "LIVECHAT_SEND_QUEUE_LIMIT", "N",
       "Outgoing messages buffered per connection before a slow client is disconnected",
       [](config& c, const std::string& v) { return set_uint(c.send_queue_limit, v, 1, 1000000); },
       [](const config& c) { return std::to_string(c.send_queue_limit); }},
      {"--write-timeout-ms", "LIVECHAT_WRITE_TIMEOUT_MS", "MS",
       "A write to a client that has not completed after this (the client stopped reading) "
       "drops the connection; the client counts as disconnected",
       [](config& c, const std::string& v) {
         return set_duration(c.write_timeout, v, 100, 600000);
       },
       [](const config& c) { return std::to_string(c.write_timeout.count()); }},
      {"--visitor-token-ttl-seconds", "LIVECHAT_VISITOR_TOKEN_TTL_SECONDS", "N",
       "Lifetime of the token that lets a visitor resume their identity and conversations",
       [](config& c, const std::string& v) {
         return set_duration(c.visitor_token_ttl, v, 60, 3650 * day_s);
       },
       [](const config& c) { return std::to_string(c.visitor_token_ttl.count()); }},
      {"--departments", "LIVECHAT_DEPARTMENTS", "A,B",
       "The departments visitors may join and leave messages for (a-z 0-9 . _ -, comma-separated)",
       [](config& c, const std::string& v) -> std::string {
         auto list = split_list(v);
         if (list.empty()) return "at least one department is required";
         for (const auto& d : list) {
           if (!core::is_operator_id(d)) return "invalid department '" + d + "' (a-z 0-9 . _ -)";
         }
         c.departments = std::move(list);
         return {};
       },
       [](const config& c) { return join_list(c.departments); }},
      {"--allowed-origins", "LIVECHAT_ALLOWED_ORIGINS", "URLS",
       "Origins (scheme://host[:port], comma-separated) whose pages may open WebSockets and read "
       "the REST API; empty allows any",
       [](config& c, const std::string& v) -> std::string {
         auto list = split_list(v);
         for (const auto& o : list) {
           if (o.rfind("http://", 0) != 0 && o.rfind("https://", 0) != 0) {
             return "invalid origin '" + o + "' (expected http://host or https://host)";
           }
           if (o.find('/', o.find("//") + 2) != std::string::npos) {
             return "invalid origin '" + o + "' (no path)";
           }
         }
         c.allowed_origins = std::move(list);
         return {};
       },
       [](const config& c) {
         return c.allowed_origins.empty() ? std::string("any") : join_list(c.allowed_origins);
       }},
      {"--trusted-proxies", "LIVECHAT_TRUSTED_PROXIES", "IPS",
       "Addresses or CIDR networks (comma-separated) of reverse proxies whose X-Forwarded-For "
       "names the client; per-address limits then apply to that client",
       [](config& c, const std::string& v) -> std::string {
         auto list = split_list(v);
         for (const auto& p : list) {
           if (!core::address_matches(p.substr(0, p.find('/')), p)) {
             return "invalid address or network '" + p + "' (e.g. 127.0.0.1 or 10.0.0.0/8)";
           }
         }
         c.trusted_proxies = std::move(list);
         return {};
       },
       [](const config& c) {
         return c.trusted_proxies.empty() ? std::string("none") : join_list(c.trusted_proxies);
       }},
      {"--connections-per-address", "LIVECHAT_CONNECTIONS_PER_ADDRESS", "N",
       "Connections one client address may hold open, agents' not counted",
       [](config& c, const std::string& v) {
         return set_uint(c.max_connections_per_address, v, 1, 1000000);
       },
       [](const config& c) { return std::to_string(c.max_connections_per_address); }},
      {"--max-connections", "LIVECHAT_MAX_CONNECTIONS", "N",
       "Connections in all; past it a new one displaces the oldest that has not said Hello. 0 = "
       "the descriptor limit less a reserve",
       [](config& c, const std::string& v) { return set_uint(c.max_connections, v, 0, 10000000); },
       [](const config& c) { return std::to_string(c.max_connections); }},
      {"--hello-timeout-ms", "LIVECHAT_HELLO_TIMEOUT_MS", "MS",
       "A WebSocket that has not said Hello after this is closed",
       [](config& c, const std::string& v) {
         return set_duration(c.hello_timeout, v, 100, 600000);
       },
       [](const config& c) { return std::to_string(c.hello_timeout.count()); }},
      {"--max-messages-before-answer", "LIVECHAT_MAX_MESSAGES_BEFORE_ANSWER", "N",
       "Messages a visitor may send in a conversation before an agent has answered",
       [](config& c, const std::string& v) {
         return set_uint(c.max_messages_before_answer, v, 1, 100000);
       },
       [](const config& c) { return std::to_string(c.max_messages_before_answer); }},
      {"--max-queued-per-address", "LIVECHAT_MAX_QUEUED_PER_ADDRESS", "N",
       "Conversations waiting in the queue that one client address may have at once",
       [](config& c, const std::string& v) {
         return set_uint(c.max_queued_per_address, v, 1, 100000);
       },
       [](const config& c) { return std::to_string(c.max_queued_per_address); }},
      {"--joins-per-minute", "LIVECHAT_JOINS_PER_MINUTE", "N",
       "Chats one client address (and one visitor) may start per minute",
       [](config& c, const std::string& v) { return set_uint(c.joins_per_minute, v, 1, 100000); },
       [](const config& c) { return std::to_string(c.joins_per_minute); }},
      {"--offline-messages-per-hour", "LIVECHAT_OFFLINE_MESSAGES_PER_HOUR", "N",
       "Offline messages one client address (and one visitor) may leave per hour",
       [](config& c, const std::string& v) {
         return set_uint(c.offline_messages_per_hour, v, 1, 100000);
       },
       [](const config& c) { return std::to_string(c.offline_messages_per_hour); }},
      {"--messages-per-second", "LIVECHAT_MESSAGES_PER_SECOND", "N",
       "Chat messages per second a connection, and a visitor across tabs, may send (bursts of "
       "twice that); an address gets five times as many",
       [](config& c, const std::string& v) {
         return set_uint(c.messages_per_second, v, 1, 1000000);
       },
       [](const config& c) { return std::to_string(c.messages_per_second); }},
      {"--redis-maxmemory", "LIVECHAT_REDIS_MAXMEMORY", "SIZE",
       "Memory cap of the embedded redis-server (e.g. 256mb, 2gb); past it writes are refused, "
       "nothing is evicted",
       [](config& c, const std::string& v) -> std::string {
         auto digits = v.find_first_not_of("0123456789");
         const auto unit = to_lower(v.substr(digits == std::string::npos ? v.size() : digits));
         if (digits == 0 || (unit != "" && unit != "kb" && unit != "mb" && unit != "gb")) {
           return "invalid size '" + v + "' (expected N, Nkb, Nmb or Ngb)";
         }
         c.redis_maxmemory = v;
         return {};
       },
       [](const config& c) { return c.redis_maxmemory; }},
      {"--postgres", "LIVECHAT_POSTGRES", "URL",
       "The system of record: postgresql://USER@HOST:PORT/DB (or a libpq key=value string); "
       "empty runs an embedded PostgreSQL in --data-dir/postgres",
       [](config& c, const std::string& v) -> std::string {
         if (!v.empty() && v.rfind("postgresql://", 0) != 0 && v.rfind("postgres://", 0) != 0 &&
             v.find('=') == std::string::npos) {
           return "invalid PostgreSQL URL '" + v +
                  "' (expected postgresql://... or libpq key=value pairs)";
         }
         c.postgres_url = v;
         return {};
       },
       [](const config&) { return std::string("embedded"); }},
      {"--reassign-after-seconds", "LIVECHAT_REASSIGN_AFTER_SECONDS", "N",
       "A chat its agent has not answered this long after it was assigned goes back to the front "
       "of the queue, to another agent; 0: never",
       [](config& c, const std::string& v) { return set_duration(c.reassign_after, v, 0, 86400); },
       [](const config& c) { return std::to_string(c.reassign_after.count()); }},
      {"--reassign-sets-away", "LIVECHAT_REASSIGN_SETS_AWAY", "BOOL",
       "Whether an agent whose chat was reassigned for want of an answer is set away (true or "
       "false)",
       [](config& c, const std::string& v) { return set_bool(c.reassign_sets_away, v); },
       [](const config& c) { return std::string(c.reassign_sets_away ? "true" : "false"); }},
      {"--webhook-retry-seconds", "LIVECHAT_WEBHOOK_RETRY_SECONDS", "N",
       "How long a webhook delivery that keeps failing is retried (with backoff from 1 s to 5 "
       "min) before it is marked failed",
       [](config& c, const std::string& v) {
         return set_duration(c.webhook_give_up, v, 1, 7ULL * 86400);
       },
       [](const config& c) { return std::to_string(c.webhook_give_up.count()); }},
      {"--sneak-peek", "LIVECHAT_SNEAK_PEEK", "BOOL",
       "Whether staff see what a visitor is typing before they send it (never stored; true or "
       "false)",
       [](config& c, const std::string& v) { return set_bool(c.sneak_peek, v); },
       [](const config& c) { return std::string(c.sneak_peek ? "true" : "false"); }},
      {"--max-file-mb", "LIVECHAT_MAX_FILE_MB", "N",
       "The largest file visitors and staff may send in a chat, in MiB (0: no files); files need "
       "the system of record",
       [](config& c, const std::string& v) { return set_uint(c.max_file_mb, v, 0, 4096); },
       [](const config& c) { return std::to_string(c.max_file_mb); }},
      {"--file-types", "LIVECHAT_FILE_TYPES", "TYPES",
       "Media types of the files taken (comma-separated, e.g. image/*,application/pdf; found from "
       "each file's bytes; HTML, SVG and scripts only when named, and only ever downloaded)",
       [](config& c, const std::string& v) -> std::string {
         auto list = core::parse_media_type_list(v);
         if (!list) return "invalid media types '" + v + "' (e.g. image/png,image/*,text/plain)";
         c.file_types = std::move(*list);
         return {};
       },
       [](const config& c) {
         // The default list is longer than a help line: named by what it holds.
         return c.file_types == core::default_file_types()
                    ? std::string("images, PDF, text, CSV, zip, gzip, MP4, office documents")
                    : join_list(c.file_types);
       }},
      {"--uploads-per-hour", "LIVECHAT_UPLOADS_PER_HOUR", "N",
       "Files one visitor may upload an hour (twice that per address)",
       [](config& c, const std::string& v) { return set_uint(c.uploads_per_hour, v, 1, 100000); },
       [](const config& c) { return std::to_string(c.uploads_per_hour); }},
      {"--clamd-socket", "LIVECHAT_CLAMD_SOCKET", "PATH",
       "clamd's unix socket (Debian's clamav-daemon): each upload is scanned as it arrives and "
       "released only after a clean scan; none: no scan",
       [](config& c, const std::string& v) -> std::string {
         if (!v.empty() && v.front() != '/') return "--clamd-socket must be an absolute path";
         c.clamd_socket = v;
         return {};
       },
       [](const config& c) {
         return c.clamd_socket.empty() ? std::string("none") : c.clamd_socket;
       }},
      {"--keep-closed-hours", "LIVECHAT_KEEP_CLOSED_HOURS", "N",
       "How long Redis keeps a closed conversation after it is archived (late resume, rating, "
       "transcript download); then only PostgreSQL has it",
       [](config& c, const std::string& v) { return set_duration(c.keep_closed, v, 0, 720); },
       [](const config& c) { return std::to_string(c.keep_closed.count()); }},
      {"--retention-days", "LIVECHAT_RETENTION_DAYS", "N",
       "Archived conversations older than this are deleted or anonymised (--retention-mode); "
       "0 keeps them for ever",
       [](config& c, const std::string& v) { return set_duration(c.retention, v, 0, 36500); },
       [](const config& c) { return std::to_string(c.retention.count()); }},
      {"--retention-mode", "LIVECHAT_RETENTION_MODE", "MODE",
       "What retention does: delete (the whole record) or anonymise (names, emails, pages, "
       "metadata and message text removed; timings kept for statistics)",
       [](config& c, const std::string& v) -> std::string {
         const auto m = to_lower(v);
         if (m != "delete" && m != "anonymise" && m != "anonymize") {
           return "invalid retention mode '" + v + "' (expected delete or anonymise)";
         }
         c.retention_anonymise = m != "delete";
         return {};
       },
       [](const config& c) { return std::string(c.retention_anonymise ? "anonymise" : "delete"); }},
      {"--smtp-url", "LIVECHAT_SMTP_URL", "URL",
       "The mail server visitors' transcripts and answers to offline messages are sent through: "
       "smtp://HOST[:PORT] (STARTTLS, see --smtp-tls) or smtps://HOST[:PORT]; empty sends no "
       "email",
       [](config& c, const std::string& v) -> std::string {
         const auto lower = to_lower(v);
         if (!v.empty() && lower.rfind("smtp://", 0) != 0 && lower.rfind("smtps://", 0) != 0) {
           return "invalid SMTP URL '" + v + "' (expected smtp://HOST[:PORT] or smtps://...)";
         }
         if (v.find_first_of(" \t\r\n") != std::string::npos) return "blanks in the URL";
         c.smtp_url = v;
         return {};
       },
       [](const config&) { return std::string("none"); }},
      {"--smtp-from", "LIVECHAT_SMTP_FROM", "ADDRESS",
       "The address mail is sent from (envelope and From); required with --smtp-url",
       [](config& c, const std::string& v) -> std::string {
         if (!v.empty() && !core::mailable_address(v)) return "not an email address: '" + v + "'";
         c.smtp_from = v;
         return {};
       },
       [](const config&) { return std::string("none"); }},
      {"--smtp-from-name", "LIVECHAT_SMTP_FROM_NAME", "NAME",
       "The name mail is sent under, and the team a transcript names",
       [](config& c, const std::string& v) -> std::string {
         if (v.empty() || v.size() > 100) return "1..100 bytes";
         c.smtp_from_name = v;
         return {};
       },
       [](const config& c) { return c.smtp_from_name; }},
      {"--smtp-user", "LIVECHAT_SMTP_USER", "USER",
       "The user to authenticate to the mail server as (with --smtp-password-file); empty: no "
       "AUTH",
       [](config& c, const std::string& v) -> std::string {
         c.smtp_user = v;
         return {};
       },
       [](const config&) { return std::string("none"); }},
      {"--smtp-password-file", "LIVECHAT_SMTP_PASSWORD_FILE", "FILE",
       "A file whose first line is the mail server password (a file, so it is not on the command "
       "line)",
       [](config& c, const std::string& v) -> std::string {
         c.smtp_password_file = v;
         return {};
       },
       [](const config&) { return std::string("none"); }},
      {"--smtp-tls", "LIVECHAT_SMTP_TLS", "MODE",
       "For smtp:// URLs: require STARTTLS, try it, or none (a mail server on this host)",
       [](config& c, const std::string& v) -> std::string {
         const auto m = to_lower(v);
         if (m != "require" && m != "try" && m != "none") {
           return "invalid value '" + v + "' (expected require, try or none)";
         }
         c.smtp_tls = m;
         return {};
       },
       [](const config& c) { return c.smtp_tls; }},
      {"--mail-retry-seconds", "LIVECHAT_MAIL_RETRY_SECONDS", "N",
       "How long a mail the mail server does not take is retried (with backoff from 1 s to 5 "
       "min) before it is marked failed",
       [](config& c, const std::string& v) {
         return set_duration(c.mail_give_up, v, 1, 7ULL * 86400);
       },
       [](const config& c) { return std::to_string(c.mail_give_up.count()); }},
  };
  return table;
}

}  // namespace lc::app
