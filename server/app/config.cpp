#include "server/app/config.hpp"

#include "server/app/flags.hpp"

#include "server/core/ids.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
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

bool valid_host_chars(std::string_view host, bool allow_colon) {
  if (host.empty()) return false;
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
              c == '_' || (allow_colon && (c == ':' || c == '%'));
    if (!ok) return false;
  }
  return true;
}

struct host_port {
  std::string host;                   // empty when absent (":port")
  std::optional<std::uint16_t> port;  // absent when "host" alone
};

// "host:port", ":port", "host", "[v6]:port", "[v6]". Nothing when malformed.
std::optional<host_port> split_host_port(std::string_view text) {
  host_port out;
  std::string_view port_part;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    if (!valid_host_chars(out.host, true)) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_part = rest.substr(1);
      has_port = true;
    }
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos) {
      if (text.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
      port_part = text.substr(colon + 1);
      has_port = true;
      text = text.substr(0, colon);
    }
    out.host = std::string(text);
    if (!out.host.empty() && !valid_host_chars(out.host, false)) return std::nullopt;
    if (out.host.empty() && !has_port) return std::nullopt;
  }
  if (has_port) {
    auto p = parse_uint(port_part);
    if (!p || *p < 1 || *p > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(*p);
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// One flag: its spelling, environment variable, help, and how it lands in the config.
struct option_spec {
  std::string_view flag;
  std::string_view env;
  std::string_view value_name;
  std::string_view help;
  std::string (*apply)(config&, const std::string&);  // error text or ""
  std::string (*show)(const config&);                 // the value, for "default ..." in help
};

constexpr std::uint64_t day_s = 24 * 3600;

const std::array<option_spec, 18>& option_table() {
  static const std::array<option_spec, 18> table = {{
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
      {"--port", "LIVECHAT_PORT", "N", "TCP port to listen on (overrides the port in --listen)",
       [](config& c, const std::string& v) { return set_uint(c.port, v, 1, 65535); },
       [](const config& c) { return std::to_string(c.port); }},
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
       "HMAC key for agent and visitor tokens; set the same value on every node. Empty reads or "
       "creates <data-dir>/secret",
       [](config& c, const std::string& v) -> std::string {
         c.secret = v;
         return {};
       },
       [](const config&) { return std::string("<data-dir>/secret"); }},
      {"--node-id", "LIVECHAT_NODE_ID", "ID",
       "Name of this server node in Redis (presence, pub/sub); empty = random",
       [](config& c, const std::string& v) -> std::string {
         for (char ch : v) {
           if (std::isalnum(static_cast<unsigned char>(ch)) == 0 && ch != '-' && ch != '_' &&
               ch != '.' && ch != ':') {
             return "invalid node id '" + v + "' (allowed: A-Z a-z 0-9 - _ . :)";
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
      {"--visitor-token-ttl-seconds", "LIVECHAT_VISITOR_TOKEN_TTL_SECONDS", "N",
       "Lifetime of the token that lets a visitor resume their identity and conversations",
       [](config& c, const std::string& v) {
         return set_duration(c.visitor_token_ttl, v, 60, 3650 * day_s);
       },
       [](const config& c) { return std::to_string(c.visitor_token_ttl.count()); }},
  }};
  return table;
}

// Word-wraps `text` into lines of at most `width` columns, each indented by `indent`.
std::string wrap(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out;
  std::string line(indent, ' ');
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (line.size() > indent && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.assign(indent, ' ');
    }
    if (line.size() > indent) line += ' ';
    line += word;
    pos = end + 1;
  }
  if (line.size() > indent) out += line + "\n";
  return out;
}

const option_spec* find_flag(std::string_view flag) {
  for (const auto& spec : option_table()) {
    if (spec.flag == flag) return &spec;
  }
  return nullptr;
}

}  // namespace

parse_result parse_config(std::span<const std::string> args, const env_lookup& env) {
  parse_result result;
  if (wants_help(args)) {
    result.show_help = true;
    return result;
  }

  // Collect flags first (last occurrence wins) so that they can be layered after env.
  auto split = split_flags(args, nullptr, "(see --help)");
  if (!split.error.empty()) {
    result.error = split.error;
    return result;
  }
  std::map<const option_spec*, std::string> flag_values;
  for (auto& f : split.flags) {
    const option_spec* spec = find_flag(f.name);
    if (spec == nullptr) {
      result.error = "unknown flag '" + f.name + "' (see --help)";
      return result;
    }
    flag_values[spec] = std::move(*f.value);
  }

  config cfg;
  for (const auto& spec : option_table()) {
    if (!env) break;
    auto value = env(std::string(spec.env));
    if (!value || value->empty()) continue;
    if (auto err = spec.apply(cfg, *value); !err.empty()) {
      result.error = std::string(spec.env) + ": " + err;
      return result;
    }
  }
  for (const auto& spec : option_table()) {
    auto it = flag_values.find(&spec);
    if (it == flag_values.end()) continue;
    if (auto err = spec.apply(cfg, it->second); !err.empty()) {
      result.error = std::string(spec.flag) + ": " + err;
      return result;
    }
  }
  if (cfg.max_text_bytes > cfg.max_frame_bytes) {
    result.error = "--max-text-bytes (" + std::to_string(cfg.max_text_bytes) +
                   ") must not exceed --max-frame-bytes (" + std::to_string(cfg.max_frame_bytes) +
                   ")";
    return result;
  }
  result.cfg = std::move(cfg);
  return result;
}

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string config_help() {
  const config defaults;
  std::string out =
      "Usage: livechat [flags]\n"
      "       livechat token --help   (issue agent tokens)\n"
      "\n"
      "Live-chat server: visitors and agents over WebSocket, state in Redis.\n"
      "Every flag also reads its environment variable; flags win over the environment,\n"
      "the environment over defaults. Flags take \"--flag value\" or \"--flag=value\".\n"
      "\n";
  for (const auto& spec : option_table()) {
    std::string head = "  " + std::string(spec.flag) + " " + std::string(spec.value_name);
    if (head.size() < 40) head.resize(40, ' ');
    out += head + " env " + std::string(spec.env) + "\n";
    // The default stays on one line so it can be found (and grepped) as a unit.
    std::string default_text = "(default: " + spec.show(defaults) + ")";
    std::replace(default_text.begin(), default_text.end(), ' ', '\x01');
    std::string wrapped = wrap(std::string(spec.help) + " " + default_text, 6, 79);
    std::replace(wrapped.begin(), wrapped.end(), '\x01', ' ');
    out += wrapped;
  }
  out += "  -h, --help                             Show this help and exit\n";
  return out;
}

void complete_config(config& cfg) {
  if (cfg.node_id.empty()) cfg.node_id = "node-" + core::random_id(6);
  if (cfg.secret.empty()) cfg.secret = load_or_create_secret(cfg.data_dir);
}

std::optional<redis_endpoint> parse_redis_url(std::string_view url) {
  if (url.empty()) return std::nullopt;
  constexpr std::string_view unix_scheme = "unix://";
  constexpr std::string_view redis_scheme = "redis://";
  std::string_view path;
  if (url.substr(0, unix_scheme.size()) == unix_scheme) {
    path = url.substr(unix_scheme.size());
  } else if (url.front() == '/') {
    path = url;
  }
  if (!path.empty() || url.substr(0, unix_scheme.size()) == unix_scheme) {
    // sun_path holds 107 bytes plus the terminator.
    if (path.size() < 2 || path.front() != '/' || path.back() == '/' || path.size() > 107 ||
        path.find('\0') != std::string_view::npos) {
      return std::nullopt;
    }
    redis_endpoint ep;
    ep.host.clear();
    ep.port = 0;
    ep.unix_socket = std::string(path);
    return ep;
  }

  constexpr std::string_view sentinel_scheme = "sentinel://";
  if (url.substr(0, sentinel_scheme.size()) == sentinel_scheme) {
    std::string_view rest = url.substr(sentinel_scheme.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 >= rest.size()) return std::nullopt;
    std::string_view name = rest.substr(slash + 1);
    if (name.find_first_of("/@?#, ") != std::string_view::npos) return std::nullopt;
    redis_endpoint ep;
    ep.master_name = std::string(name);
    std::string_view hosts = rest.substr(0, slash);
    while (!hosts.empty()) {
      auto comma = hosts.find(',');
      auto hp = split_host_port(hosts.substr(0, comma));
      if (!hp || hp->host.empty()) return std::nullopt;
      ep.sentinels.emplace_back(hp->host, hp->port.value_or(26379));
      if (comma == std::string_view::npos) break;
      hosts.remove_prefix(comma + 1);
    }
    if (ep.sentinels.empty()) return std::nullopt;
    ep.host.clear();
    ep.port = 0;
    return ep;
  }

  std::string_view rest = url;
  if (rest.substr(0, redis_scheme.size()) == redis_scheme) {
    rest.remove_prefix(redis_scheme.size());
  } else if (rest.find("://") != std::string_view::npos) {
    return std::nullopt;  // rediss:// (TLS) and anything else we cannot speak
  }
  if (rest.find_first_of("@?#") != std::string_view::npos) return std::nullopt;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash);
    if (db != "/" && db != "/0") return std::nullopt;
    rest = rest.substr(0, slash);
  }
  auto hp = split_host_port(rest);
  if (!hp || hp->host.empty()) return std::nullopt;
  redis_endpoint ep;
  ep.host = hp->host;
  ep.port = hp->port.value_or(6379);
  return ep;
}

namespace {

// nullopt when the file does not exist; throws on other errors.
std::optional<std::string> read_secret_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw std::runtime_error("cannot read secret file " + path.string() + ": " +
                             std::strerror(errno));
  }
  std::string content;
  char buf[512];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot read secret file " + path.string() + ": " +
                               std::strerror(err));
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  content = trim(std::move(content));
  if (content.empty()) {
    throw std::runtime_error("secret file " + path.string() +
                             " is empty; delete it to generate a new secret (this invalidates "
                             "issued tokens) or pass --secret");
  }
  return content;
}

}  // namespace

std::string load_or_create_secret(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    throw std::runtime_error("cannot create data dir " + data_dir.string() + ": " + ec.message());
  }
  const auto path = data_dir / "secret";
  if (auto existing = read_secret_file(path)) return *existing;

  // Write a private temp file completely, then link() it into place: link fails with EEXIST
  // instead of overwriting, so a concurrent starter's secret wins and both read the same one.
  const std::string secret = core::random_id(32);
  const auto tmp =
      data_dir / ("secret.tmp." + std::to_string(::getpid()) + "." + core::random_id(4));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot create secret file in " + data_dir.string() + ": " +
                             std::strerror(errno));
  }
  const std::string content = secret + "\n";
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write secret file " + tmp.string());
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return secret;
  if (err == EEXIST) {
    if (auto existing = read_secret_file(path)) return *existing;
  }
  throw std::runtime_error("cannot create secret file " + path.string() + ": " +
                           std::strerror(err));
}

}  // namespace lc::app
