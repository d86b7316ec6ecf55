#include "server/app/token_command.hpp"

#include "server/app/flags.hpp"

#include <charconv>

#include "server/core/ids.hpp"
#include "server/core/limits.hpp"
#include "server/core/token.hpp"
#include "server/core/validate.hpp"

namespace lc::app {

token_parse_result parse_token_args(std::span<const std::string> args, const env_lookup& env) {
  token_parse_result result;
  if (wants_help(args)) {
    result.show_help = true;
    return result;
  }
  const core::limits lim;
  token_args out;
  bool has_departments = false;
  bool has_capacity = false;
  bool has_secret = false;
  bool has_data_dir = false;

  auto split = split_flags(
      args, [](std::string_view name) { return name == "--admin" || name == "--supervisor"; },
      "(see livechat token --help)");
  if (!split.error.empty()) {
    result.error = split.error;
    return result;
  }
  for (const auto& f : split.flags) {
    const std::string& name = f.name;
    if (name == "--admin" || name == "--supervisor") {
      // A boolean: bare, or =true/=false for scripts.
      std::string v = f.value.value_or("true");
      if (v != "true" && v != "false") {
        result.error = name;
        result.error += ": invalid value '" + v + "' (expected no value, true or false)";
        return result;
      }
      const auto role = name == "--admin" ? core::staff_role::admin : core::staff_role::supervisor;
      if (v == "true") {
        out.role = role;
      } else if (out.role == role) {
        out.role = core::staff_role::agent;
      }
      continue;
    }
    const bool known = name == "--agent" || name == "--name" || name == "--departments" ||
                       name == "--capacity" || name == "--ttl-hours" || name == "--secret" ||
                       name == "--data-dir";
    if (!known) {
      result.error = "unknown flag '" + name + "' (see livechat token --help)";
      return result;
    }
    const std::string& value = *f.value;

    if (name == "--agent") {
      if (!core::is_operator_id(value)) {
        result.error = "--agent: invalid agent id '" + value + "' (1.." +
                       std::to_string(core::max_operator_id_bytes) + " bytes of a-z 0-9 _ . -)";
        return result;
      }
      out.agent_id = value;
    } else if (name == "--name") {
      if (value.empty() || value.size() > lim.max_name_bytes) {
        result.error = "--name: must be 1.." + std::to_string(lim.max_name_bytes) + " bytes";
        return result;
      }
      out.display_name = value;
    } else if (name == "--departments") {
      out.departments = split_list(value);
      for (const auto& d : out.departments) {
        if (!core::is_operator_id(d)) {
          result.error =
              "--departments: invalid department '" + d + "' (a-z 0-9 _ . -, comma-separated)";
          return result;
        }
      }
      has_departments = !out.departments.empty();
    } else if (name == "--capacity") {
      auto v = parse_uint(value);
      if (!v || *v < 1 || *v > lim.max_capacity) {
        result.error = "--capacity: invalid value '" + value + "' (expected an integer in 1.." +
                       std::to_string(lim.max_capacity) + ")";
        return result;
      }
      out.capacity = static_cast<std::uint32_t>(*v);
      has_capacity = true;
    } else if (name == "--ttl-hours") {
      auto v = parse_uint(value);
      if (!v || *v < 1 || *v > max_ttl_hours) {
        result.error = "--ttl-hours: invalid value '" + value + "' (expected an integer in 1.." +
                       std::to_string(max_ttl_hours) + ")";
        return result;
      }
      out.ttl_hours = static_cast<std::uint32_t>(*v);
    } else if (name == "--secret") {
      if (value.empty()) {
        result.error = "--secret: must not be empty";
        return result;
      }
      // A token signed with a placeholder verifies on a server that (wrongly) runs with it, and
      // can be forged by anyone who has read the same docs.
      if (auto problem = secret_problem(value); !problem.empty()) {
        result.error = "--secret: " + problem;
        return result;
      }
      out.secret = value;
      has_secret = true;
    } else if (name == "--data-dir") {
      if (value.empty()) {
        result.error = "--data-dir: must not be empty";
        return result;
      }
      out.data_dir = value;
      has_data_dir = true;
    }
  }

  if (out.agent_id.empty()) {
    result.error = "--agent is required";
    return result;
  }
  const bool admin = out.role == core::staff_role::admin;
  if (!admin && !has_departments) {
    result.error = "--departments is required (unless --admin)";
    return result;
  }
  if (!admin && !has_capacity) {
    result.error = "--capacity is required (unless --admin)";
    return result;
  }
  if (has_secret && has_data_dir) {
    result.error = "--secret and --data-dir exclude each other (give one way to find the secret)";
    return result;
  }
  if (!has_secret && !has_data_dir && env) {
    if (auto s = env("LIVECHAT_SECRET"); s && !s->empty()) {
      if (auto problem = secret_problem(*s); !problem.empty()) {
        result.error = "LIVECHAT_SECRET: " + problem;
        return result;
      }
      out.secret = *s;
    } else if (auto d = env("LIVECHAT_DATA_DIR"); d && !d->empty()) {
      out.data_dir = *d;
    }
  }
  if (out.display_name.empty()) out.display_name = out.agent_id;
  result.args = std::move(out);
  return result;
}

std::string token_help() {
  return "Usage: livechat token --agent ID [--name NAME] --departments A,B --capacity N\n"
         "                      [--admin | --supervisor] [--ttl-hours H]\n"
         "                      [--secret S | --data-dir DIR]\n"
         "\n"
         "Prints a signed agent token for the agent console (and the admin API with\n"
         "--admin).\n"
         "\n"
         "  --agent ID          agent id: 1..64 bytes of A-Z a-z 0-9 _ . : - (required)\n"
         "  --name NAME         name shown to visitors (default: the agent id)\n"
         "  --departments A,B   departments the agent serves (required unless --admin)\n"
         "  --capacity N        concurrent conversations, 1..50 (required unless --admin)\n"
         "  --admin             may use the admin API and see every conversation\n"
         "  --supervisor        may watch, help and assign every chat of their departments\n"
         "  --ttl-hours H       token lifetime in hours (default 12, at most 720)\n"
         "  --secret S          signing secret (env LIVECHAT_SECRET); must match the\n"
         "                      server's\n"
         "  --data-dir DIR      read/create DIR/secret like the server does (env\n"
         "                      LIVECHAT_DATA_DIR, default ./data)\n";
}

std::string resolve_token_secret(const token_args& args) {
  if (!args.secret.empty()) return args.secret;
  return load_or_create_secret(args.data_dir);
}

std::string issue_agent_token(const token_args& args, std::string_view secret,
                              std::int64_t now_ms) {
  const auto now_s = now_ms / 1000;
  core::agent_claims claims;
  claims.agent_id = args.agent_id;
  claims.display_name = args.display_name.empty() ? args.agent_id : args.display_name;
  claims.departments = args.departments;
  claims.capacity = args.capacity;
  claims.role = args.role;
  claims.expires_at_s = now_s + static_cast<std::int64_t>(args.ttl_hours) * 3600;
  claims.issued_at_ms = now_ms;
  return core::sign_agent_token(claims, secret);
}

}  // namespace lc::app
