#include "server/core/http_head.hpp"

#include <cstddef>

namespace lc::core {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto item = trim(list.substr(0, comma));
    if (auto semi = item.find(';'); semi != std::string_view::npos)
      item = trim(item.substr(0, semi));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::optional<std::string> check_request_head(std::string_view head) {
  // Clients may send blank lines before the request line (RFC 9112 2.2).
  while (head.substr(0, 2) == "\r\n") head.remove_prefix(2);
  const auto line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return "request line is not terminated";
  const auto request_line = head.substr(0, line_end);
  const bool http11 =
      request_line.size() >= 8 && request_line.substr(request_line.size() - 8) == "HTTP/1.1";
  std::string_view rest = head.substr(line_end + 2);
  int hosts = 0, lengths = 0, encodings = 0;
  std::string_view encoding;
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    if (end == std::string_view::npos) return "header field is not terminated";
    const auto line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (line.empty()) break;  // the end of the head
    if (line.front() == ' ' || line.front() == '\t') return "obsolete line folding";
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return "malformed header field";
    const auto name = line.substr(0, colon);
    if (name.back() == ' ' || name.back() == '\t') return "whitespace before a header colon";
    const auto value = trim(line.substr(colon + 1));
    if (iequals(name, "host")) ++hosts;
    if (iequals(name, "content-length")) ++lengths;
    if (iequals(name, "transfer-encoding")) {
      ++encodings;
      encoding = value;
    }
    if (iequals(name, "te") && contains_token(value, "chunked")) return "TE must not name chunked";
  }
  if (encodings > 0) {
    if (encodings > 1 || !iequals(encoding, "chunked")) return "unsupported transfer-encoding";
    if (lengths > 0) return "both transfer-encoding and content-length";
  }
  if (lengths > 1) return "more than one content-length";
  if (http11 && hosts != 1) return "HTTP/1.1 request needs exactly one host";
  return std::nullopt;
}

}  // namespace lc::core
