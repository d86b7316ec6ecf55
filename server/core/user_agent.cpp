#include "server/core/user_agent.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace lc::core {

namespace {

using namespace std::string_view_literals;

bool has(std::string_view ua, std::string_view token) {
  return ua.find(token) != std::string_view::npos;
}

// The version after `token` ("Chrome/120.0.6099" -> "120"; with `minor`, "17.1"), digits and
// at most one dot; "" when the token is absent.
std::string version_after(std::string_view ua, std::string_view token, bool minor = false,
                          char separator = '.') {
  const auto at = ua.find(token);
  if (at == std::string_view::npos) return {};
  std::string out;
  bool dotted = false;
  for (char c : ua.substr(at + token.size())) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      out.push_back(c);
    } else if (c == separator && minor && !dotted && !out.empty()) {
      dotted = true;
      out.push_back('.');
    } else {
      break;
    }
    if (out.size() >= 12) break;
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string with_version(std::string_view name, const std::string& version) {
  return version.empty() ? std::string(name) : std::string(name) + " " + version;
}

std::string browser_of(std::string_view ua) {
  // Order matters: each of these also says "Chrome" or "Safari".
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> tokens{{
      {"Edg/", "Edge"},
      {"EdgA/", "Edge"},
      {"EdgiOS/", "Edge"},
      {"OPR/", "Opera"},
      {"SamsungBrowser/", "Samsung Internet"},
      {"Firefox/", "Firefox"},
      {"FxiOS/", "Firefox"},
      {"CriOS/", "Chrome"},
  }};
  for (const auto& [token, name] : tokens) {
    if (has(ua, token)) return with_version(name, version_after(ua, token));
  }
  if (has(ua, "Chrome/") && !has(ua, "Chromium/")) {
    return with_version("Chrome", version_after(ua, "Chrome/"));
  }
  if (has(ua, "Chromium/")) return with_version("Chromium", version_after(ua, "Chromium/"));
  if (has(ua, "Safari/") && has(ua, "Version/")) {
    return with_version("Safari", version_after(ua, "Version/", true));
  }
  return {};
}

std::string os_of(std::string_view ua) {
  if (has(ua, "iPhone") || has(ua, "iPad") || has(ua, "iPod")) {
    // "CPU iPhone OS 17_1 like Mac OS X", "CPU OS 16_6 like Mac OS X" (iPad)
    auto v = version_after(ua, "OS ", true, '_');
    return with_version("iOS", v);
  }
  if (has(ua, "Android")) return with_version("Android", version_after(ua, "Android ", true));
  if (has(ua, "CrOS")) return "ChromeOS";
  if (has(ua, "Windows")) return "Windows";
  if (has(ua, "Mac OS X")) return with_version("macOS", version_after(ua, "Mac OS X ", true, '_'));
  if (has(ua, "Linux")) return "Linux";
  return {};
}

std::string device_of(std::string_view ua) {
  if (ua.empty()) return {};
  if (has(ua, "iPad") || has(ua, "Tablet") || (has(ua, "Android") && !has(ua, "Mobile"))) {
    return "tablet";
  }
  if (has(ua, "Mobi") || has(ua, "iPhone") || has(ua, "iPod")) return "mobile";
  return "desktop";
}

}  // namespace

user_agent_summary summarize_user_agent(std::string_view ua) {
  return {browser_of(ua), os_of(ua), device_of(ua)};
}

}  // namespace lc::core
