#include "server/app/config.hpp"

#include "server/app/config_options.hpp"
#include "server/app/flags.hpp"

#include "server/core/address_match.hpp"
#include "server/core/ids.hpp"
#include "server/core/validate.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <vector>

namespace lc::app {
namespace {

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
  if (!cfg.smtp_url.empty() && cfg.smtp_from.empty()) {
    result.error = "--smtp-url needs --smtp-from (the address mail is sent from)";
    return result;
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
  if (!cfg.smtp_password_file.empty()) {
    std::ifstream in(cfg.smtp_password_file);
    if (!in || !std::getline(in, cfg.smtp_password)) {
      throw std::runtime_error("cannot read --smtp-password-file " + cfg.smtp_password_file);
    }
    if (!cfg.smtp_password.empty() && cfg.smtp_password.back() == '\r')
      cfg.smtp_password.pop_back();
  }
}

}  // namespace lc::app
