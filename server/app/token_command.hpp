#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/app/config.hpp"
#include "server/core/token.hpp"

namespace lc::app {

// The `livechat token` subcommand's arguments: who the agent token is for and how to sign it.
struct token_args {
  std::string agent_id{};                           // --agent (required)
  std::string display_name{};                       // --name; empty = agent_id
  std::vector<std::string> departments{};           // --departments a,b (required unless --admin)
  std::uint32_t capacity = 0;                       // --capacity (required unless --admin)
  core::staff_role role = core::staff_role::agent;  // --admin, --supervisor
  std::uint32_t ttl_hours = 12;                     // --ttl-hours (a shift; at most max_ttl_hours)
  std::string secret{};                             // --secret / LIVECHAT_SECRET
  std::string data_dir = "./data";                  // --data-dir / LIVECHAT_DATA_DIR (secret file)
};

struct token_parse_result {
  std::optional<token_args> args{};
  bool show_help = false;
  std::string error{};  // names the offending flag
};

// `args` excludes "livechat token". --secret and --data-dir exclude each other; the environment
// supplies them only when neither flag is given. `env` may be empty.
token_parse_result parse_token_args(std::span<const std::string> args, const env_lookup& env);

std::string token_help();

// The secret the server would use: --secret, else load_or_create_secret(data_dir).
std::string resolve_token_secret(const token_args& args);

// A lost laptop's token should not outlive a month even before it is revoked.
inline constexpr std::uint64_t max_ttl_hours = 24ULL * 30;

// A signed agent token minted at now_ms (unix ms), valid for ttl_hours.
std::string issue_agent_token(const token_args& args, std::string_view secret, std::int64_t now_ms);

}  // namespace lc::app
