#include "server/record/accounts.hpp"

namespace lc::record {

namespace {

constexpr const char* account_columns =
    "id, email, display_name, role, array_to_string(departments, ','), capacity, enabled, "
    "password_hash, created_ms, updated_ms";

account account_at(const pg_rows& rows, std::size_t r) {
  account a;
  a.id = rows.text(r, 0);
  a.email = rows.text(r, 1);
  a.display_name = rows.text(r, 2);
  a.role = core::parse_role(rows.text(r, 3)).value_or(core::staff_role::agent);
  a.departments = split_commas(rows.text(r, 4));
  a.capacity = static_cast<std::uint32_t>(rows.integer(r, 5));
  a.enabled = rows.text(r, 6) == "t";
  a.password_hash = rows.text(r, 7);
  a.created_ms = rows.integer(r, 8);
  a.updated_ms = rows.integer(r, 9);
  return a;
}

std::optional<account> first(const pg_rows& rows) {
  if (rows.empty()) return std::nullopt;
  return account_at(rows, 0);
}

}  // namespace

std::vector<account> list_accounts(pg_connection& db) {
  auto rows = db.exec(std::string("SELECT ") + account_columns + " FROM accounts ORDER BY id");
  std::vector<account> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(account_at(rows, r));
  return out;
}

std::optional<account> find_account(pg_connection& db, const std::string& id) {
  return first(
      db.exec(std::string("SELECT ") + account_columns + " FROM accounts WHERE id = $1", {id}));
}

std::optional<account> find_account_by_email(pg_connection& db, const std::string& email) {
  return first(db.exec(
      std::string("SELECT ") + account_columns + " FROM accounts WHERE lower(email) = lower($1)",
      {email}));
}

void create_account(pg_connection& db, const account& a) {
  db.exec(
      "INSERT INTO accounts (id, email, display_name, role, departments, capacity, enabled, "
      "password_hash, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, "
      "$9, $9)",
      {a.id, a.email, a.display_name, std::string(core::role_name(a.role)),
       text_array(a.departments), std::to_string(a.capacity), a.enabled ? "true" : "false",
       a.password_hash, std::to_string(a.created_ms)});
}

std::optional<account> update_account(pg_connection& db, const std::string& id,
                                      const account_change& change, std::int64_t now_ms) {
  // One statement: each column keeps its value unless its parameter is given (non-NULL).
  const auto opt = [](const auto& v, auto&& to_text) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    return to_text(*v);
  };
  const auto same = [](const std::string& s) { return s; };
  return first(db.exec(
      std::string("UPDATE accounts SET email = coalesce($2, email), display_name = "
                  "coalesce($3, display_name), role = coalesce($4, role), departments = "
                  "coalesce($5::text[], departments), capacity = coalesce($6::integer, "
                  "capacity), enabled = coalesce($7::boolean, enabled), password_hash = "
                  "coalesce($8, password_hash), updated_ms = $9 WHERE id = $1 RETURNING ") +
          account_columns,
      {id, opt(change.email, same), opt(change.display_name, same),
       opt(change.role, [](core::staff_role r) { return std::string(core::role_name(r)); }),
       opt(change.departments, [](const std::vector<std::string>& d) { return text_array(d); }),
       opt(change.capacity, [](std::uint32_t c) { return std::to_string(c); }),
       opt(change.enabled, [](bool e) { return std::string(e ? "true" : "false"); }),
       opt(change.password_hash, same), std::to_string(now_ms)}));
}

std::size_t enabled_admins(pg_connection& db) {
  auto rows = db.exec("SELECT count(*) FROM accounts WHERE role = 'admin' AND enabled");
  return static_cast<std::size_t>(rows.integer(0, 0));
}

void open_session(pg_connection& db, const std::string& token_hash, const std::string& account_id,
                  std::int64_t now_ms, std::int64_t expires_ms, const std::string& address) {
  // Expired sessions of anyone go on the way: sign-ins are rare, so this bounds the table.
  db.exec("DELETE FROM login_sessions WHERE expires_ms < $1", {std::to_string(now_ms)});
  db.exec(
      "INSERT INTO login_sessions (id, account_id, created_ms, expires_ms, address) VALUES ($1, "
      "$2, $3, $4, $5)",
      {token_hash, account_id, std::to_string(now_ms), std::to_string(expires_ms), address});
}

std::optional<account> session_account(pg_connection& db, const std::string& token_hash,
                                       std::int64_t now_ms) {
  return first(db.exec(
      "SELECT a.id, a.email, a.display_name, a.role, array_to_string(a.departments, ','), "
      "a.capacity, a.enabled, a.password_hash, a.created_ms, a.updated_ms FROM login_sessions s "
      "JOIN accounts a ON a.id = s.account_id WHERE s.id = $1 AND s.expires_ms > $2",
      {token_hash, std::to_string(now_ms)}));
}

void close_session(pg_connection& db, const std::string& token_hash) {
  db.exec("DELETE FROM login_sessions WHERE id = $1", {token_hash});
}

void close_sessions_of(pg_connection& db, const std::string& account_id) {
  db.exec("DELETE FROM login_sessions WHERE account_id = $1", {account_id});
}

}  // namespace lc::record
