#include "server/net/static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

namespace lc::net {
namespace {

namespace fs = std::filesystem;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// True when `file` resolves (through symlinks) to somewhere inside `root`.
bool stays_inside(const fs::path& root, const fs::path& file) {
  std::error_code ec;
  fs::path real_root = fs::canonical(root, ec);
  if (ec) return false;
  fs::path real_file = fs::canonical(file, ec);
  if (ec) return false;
  auto [root_end, file_it] =
      std::mismatch(real_root.begin(), real_root.end(), real_file.begin(), real_file.end());
  return root_end == real_root.end();
}

}  // namespace

bool is_dynamic_route(std::string_view path) {
  return path.starts_with("/api/") || path == "/api" || path == "/metrics" || path == "/healthz" ||
         path == "/readyz" || path == "/ws";
}

static_lookup find_static_file(const fs::path& root, std::string_view target) {
  static_lookup out;
  std::string_view raw = target.substr(0, target.find_first_of("?#"));
  if (raw.empty() || raw.front() != '/') {
    out.outcome = static_lookup::result::bad_path;
    return out;
  }
  auto decoded = percent_decode(raw);
  if (!decoded) {
    out.outcome = static_lookup::result::bad_path;
    return out;
  }
  // Split after decoding so an escaped '/' cannot hide a ".." segment.
  std::vector<std::string_view> segments;
  std::string_view rest = *decoded;
  bool trailing_slash = rest.ends_with('/');
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == ".." || seg.find('\0') != std::string_view::npos ||
        seg.find('\\') != std::string_view::npos) {
      out.outcome = static_lookup::result::bad_path;
      return out;
    }
    segments.push_back(seg);
  }

  fs::path base = root;
  for (auto seg : segments) base /= fs::path(std::string(seg));

  std::vector<fs::path> candidates;
  if (segments.empty() || trailing_slash) {
    candidates.push_back(base / "index.html");
  } else {
    candidates.push_back(base);
    fs::path html = base;
    html += ".html";
    candidates.push_back(std::move(html));
    candidates.push_back(base / "index.html");
  }
  for (auto& candidate : candidates) {
    if (is_regular(candidate) && stays_inside(root, candidate)) {
      out.outcome = static_lookup::result::found;
      out.content_type = content_type_for(candidate);
      out.file = std::move(candidate);
      return out;
    }
  }
  return out;
}

std::string content_type_for(const fs::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  }};
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto [suffix, type] : types) {
    if (ext == suffix) return std::string(type);
  }
  return "application/octet-stream";
}

}  // namespace lc::net
