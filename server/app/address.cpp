#include "server/app/address.hpp"

#include <cctype>

#include "server/app/flags.hpp"

namespace lc::app {

namespace {

bool valid_host_chars(std::string_view host, bool allow_colon) {
  if (host.empty()) return false;
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
              c == '_' || (allow_colon && (c == ':' || c == '%'));
    if (!ok) return false;
  }
  return true;
}

}  // namespace

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

}  // namespace lc::app
