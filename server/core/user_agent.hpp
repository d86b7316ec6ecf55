#pragma once

#include <string>
#include <string_view>

namespace lc::core {

// What an agent reads off a visitor's User-Agent: the browser and its major version, the
// operating system and the kind of device. Best effort from the well-known tokens; "" where
// nothing matched (a bot, an odd browser), never a guess.
struct user_agent_summary {
  std::string browser;  // "Chrome 120", "Safari 17.1", "Firefox 121", "Edge 120"
  std::string os;       // "Windows", "macOS 10.15", "iOS 17.1", "Android 14", "Linux", "ChromeOS"
  std::string device;   // "desktop", "mobile", "tablet"
};

user_agent_summary summarize_user_agent(std::string_view ua);

}  // namespace lc::core
