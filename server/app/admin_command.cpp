#include "server/app/admin_command.hpp"

#include <chrono>
#include <filesystem>

#include "server/app/flags.hpp"
#include "server/app/postgres_launcher.hpp"
#include "server/core/ids.hpp"
#include "server/core/limits.hpp"
#include "server/core/password.hpp"
#include "server/core/validate.hpp"
#include "server/record/accounts.hpp"
#include "server/record/audit_log.hpp"
#include "server/record/migrations.hpp"

namespace lc::app {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string account_id_from_email(const std::string& email) {
  std::string id;
  for (char c : email.substr(0, email.find('@'))) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (keep) {
      id.push_back(c);
    } else if (!id.empty() && id.back() != '-') {
      id.push_back('-');
    }
  }
  while (!id.empty() &&
         !((id.front() >= 'a' && id.front() <= 'z') || (id.front() >= '0' && id.front() <= '9'))) {
    id.erase(0, 1);
  }
  if (id.size() > core::max_operator_id_bytes) id.resize(core::max_operator_id_bytes);
  return core::is_operator_id(id) ? id : std::string();
}

admin_parse_result parse_admin_args(std::span<const std::string> args, const env_lookup& env) {
  admin_parse_result result;
  if (wants_help(args)) {
    result.show_help = true;
    return result;
  }
  if (args.empty() || args.front() != "create") {
    result.error = "expected 'create' (see livechat admin --help)";
    return result;
  }
  auto split = split_flags(
      args.subspan(1), [](std::string_view) { return false; }, "(see livechat admin --help)");
  if (!split.error.empty()) {
    result.error = split.error;
    return result;
  }
  const core::limits lim;
  admin_create_args out;
  bool has_postgres = false, has_data_dir = false;
  for (const auto& f : split.flags) {
    const std::string& v = *f.value;
    if (f.name == "--email") {
      if (v.find('@') == std::string::npos || v.size() > lim.max_email_bytes) {
        result.error = "--email: an email address";
        return result;
      }
      out.email = v;
    } else if (f.name == "--name") {
      out.display_name = core::trim_blanks(v);
      if (out.display_name.empty() || out.display_name.size() > lim.max_name_bytes) {
        result.error = "--name: 1.." + std::to_string(lim.max_name_bytes) + " bytes";
        return result;
      }
    } else if (f.name == "--id") {
      if (!core::is_operator_id(v)) {
        result.error = "--id: 1..32 of a-z 0-9 . _ -, starting with a letter or digit";
        return result;
      }
      out.id = v;
    } else if (f.name == "--role") {
      auto role = core::parse_role(v);
      if (!role) {
        result.error = "--role: agent, supervisor or admin";
        return result;
      }
      out.role = *role;
    } else if (f.name == "--postgres") {
      out.postgres_url = v;
      has_postgres = true;
    } else if (f.name == "--data-dir") {
      out.data_dir = v;
      has_data_dir = true;
    } else {
      result.error = "unknown flag '" + f.name + "' (see livechat admin --help)";
      return result;
    }
  }
  if (out.email.empty()) {
    result.error = "--email is required";
    return result;
  }
  if (out.display_name.empty()) {
    result.error = "--name is required";
    return result;
  }
  if (out.id.empty()) out.id = account_id_from_email(out.email);
  if (out.id.empty()) {
    result.error = "--id is required (nothing usable in the email's local part)";
    return result;
  }
  if (env && !has_postgres) {
    if (auto p = env("LIVECHAT_POSTGRES"); p && !p->empty()) out.postgres_url = *p;
  }
  if (env && !has_data_dir) {
    if (auto d = env("LIVECHAT_DATA_DIR"); d && !d->empty()) out.data_dir = *d;
  }
  result.args = std::move(out);
  return result;
}

std::string admin_help() {
  return "Usage: livechat admin create --email EMAIL --name NAME [--id ID]\n"
         "                             [--role admin|supervisor|agent]\n"
         "                             [--postgres URL | --data-dir DIR]\n"
         "\n"
         "Creates a staff account in the system of record; the password is the first line of\n"
         "stdin (at least 10 bytes). Run it before the server starts, or stop it first, when\n"
         "the server uses its embedded PostgreSQL (the default: DIR/postgres); then sign in at\n"
         "/agent or /admin with the email and password. Later accounts are made on /admin.\n"
         "\n"
         "  --email EMAIL   sign-in email (required)\n"
         "  --name NAME     the name colleagues and visitors see (required)\n"
         "  --id ID         the account id (default: from the email, e.g. ada.lovelace)\n"
         "  --role ROLE     admin (default), supervisor or agent\n"
         "  --postgres URL  the server's PostgreSQL (env LIVECHAT_POSTGRES)\n"
         "  --data-dir DIR  the server's data dir, for its embedded PostgreSQL (env\n"
         "                  LIVECHAT_DATA_DIR, default ./data)\n";
}

int run_admin_create(const admin_create_args& args, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  std::string why;
  if (!core::password_acceptable(password, &why)) {
    err << "livechat admin create: the password on stdin: " << why << "\n";
    return 2;
  }
  std::unique_ptr<postgres_process> embedded;
  std::string conninfo = args.postgres_url;
  if (conninfo.empty()) {
    postgres_launch_options po;
    po.data_dir = std::filesystem::path(args.data_dir) / "postgres";
    try {
      embedded = postgres_process::start(po);
    } catch (const std::exception& e) {
      err << "livechat admin create: cannot start the embedded PostgreSQL in "
          << po.data_dir.string() << " (is the server running? stop it first): " << e.what()
          << "\n";
      return 1;
    }
    conninfo = embedded->conninfo();
  }
  record::pg_connection db(conninfo, std::chrono::milliseconds(10000));
  record::apply_migrations(db);
  record::account a;
  a.id = args.id;
  a.email = args.email;
  a.display_name = args.display_name;
  a.role = args.role;
  a.capacity = args.role == core::staff_role::admin ? 0 : 3;
  a.password_hash = core::hash_password(password);
  a.created_ms = a.updated_ms = now_ms();
  try {
    record::in_transaction(db, [&] {
      record::create_account(db, a);
      record::audit(db, "command-line", "account_create", a.id,
                    std::string("{\"role\":\"") + std::string(core::role_name(a.role)) + "\"}",
                    a.created_ms);
    });
  } catch (const record::pg_error& e) {
    if (e.sqlstate() != "23505") throw;
    err << "livechat admin create: an account with id '" << a.id << "' or email '" << a.email
        << "' exists already\n";
    return 1;
  }
  out << "created " << core::role_name(a.role) << " '" << a.id << "' <" << a.email
      << ">: sign in at /admin or /agent with that email and password\n";
  return 0;
}

}  // namespace lc::app
