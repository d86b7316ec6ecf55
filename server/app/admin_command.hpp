#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <string>

#include "server/app/config.hpp"
#include "server/core/token.hpp"

namespace lc::app {

// `livechat admin create`: the first admin (or any account) made from the command line, so a
// team never needs it again; its password is read from stdin, never from the arguments (which
// other users of the machine can read in /proc).
struct admin_create_args {
  std::string id;  // --id; default: derived from the email's local part
  std::string email;
  std::string display_name;
  core::staff_role role = core::staff_role::admin;
  std::string postgres_url;         // --postgres / LIVECHAT_POSTGRES; empty: the embedded one
  std::string data_dir = "./data";  // --data-dir / LIVECHAT_DATA_DIR
};

struct admin_parse_result {
  std::optional<admin_create_args> args{};
  bool show_help = false;
  std::string error{};
};

// `args` excludes "livechat admin".
admin_parse_result parse_admin_args(std::span<const std::string> args, const env_lookup& env);
std::string admin_help();

// An operator id from an email's local part ("Ada.Lovelace+x@ex.com" -> "ada.lovelace-x"), or
// "" when nothing usable is left.
std::string account_id_from_email(const std::string& email);

// Reads the password (first line of `in`), creates the account (starting the embedded
// PostgreSQL of data_dir when no URL is given), and says what to do next. The exit status.
int run_admin_create(const admin_create_args& args, std::istream& in, std::ostream& out,
                     std::ostream& err);

}  // namespace lc::app
