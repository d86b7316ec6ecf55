#include "server/record/pg_connection.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>

namespace lc::record {

namespace {

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

pg_rows::pg_rows(pg_result* result)
    : result_(result, [](pg_result* r) { PQclear(r); }),
      rows_(static_cast<std::size_t>(PQntuples(result))),
      columns_(static_cast<std::size_t>(PQnfields(result))) {
  const char* tuples = PQcmdTuples(result);
  if (tuples && *tuples) affected_ = std::strtoull(tuples, nullptr, 10);
}

bool pg_rows::is_null(std::size_t row, std::size_t column) const {
  return PQgetisnull(result_.get(), static_cast<int>(row), static_cast<int>(column)) != 0;
}

std::string_view pg_rows::text(std::size_t row, std::size_t column) const {
  const int r = static_cast<int>(row), c = static_cast<int>(column);
  return {PQgetvalue(result_.get(), r, c),
          static_cast<std::size_t>(PQgetlength(result_.get(), r, c))};
}

std::int64_t pg_rows::integer(std::size_t row, std::size_t column) const {
  auto t = text(row, column);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

double pg_rows::number(std::size_t row, std::size_t column) const {
  if (is_null(row, column)) return 0;
  return std::strtod(std::string(text(row, column)).c_str(), nullptr);
}

pg_connection::pg_connection(const std::string& conninfo, std::chrono::milliseconds timeout) {
  // libpq takes the connect timeout in whole seconds (at least 2 are honoured).
  const auto seconds = std::max<long long>(2, (timeout.count() + 999) / 1000);
  const std::string timeout_text = std::to_string(seconds);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", "client_encoding",
                        nullptr};
  const char* values[] = {conninfo.c_str(), timeout_text.c_str(), "livechat", "UTF8", nullptr};
  // expand_dbname: the first dbname is a full connection string or URI; the later keywords
  // fill in only what it leaves unsaid.
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw pg_error("postgres: cannot connect: " + why, "", true);
  }
  // NOTICEs (such as "relation already exists, skipping" from the migrations) would go to
  // stderr on every connect: they are debug output here.
  PQsetNoticeProcessor(
      conn_, [](void*, const char* message) { spdlog::debug("postgres: {}", trimmed(message)); },
      nullptr);
  exec("SET statement_timeout = " + std::to_string(timeout.count() * 6));
  exec("SET lock_timeout = " + std::to_string(timeout.count() * 3));
}

pg_connection::~pg_connection() {
  if (conn_) PQfinish(conn_);
}

bool pg_connection::ok() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

pg_rows pg_connection::exec(std::string_view sql,
                            const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string statement(sql);
  PGresult* r = PQexecParams(conn_, statement.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return pg_rows(r);
  std::string state, why;
  if (r) {
    const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    state = s ? s : "";
    why = trimmed(PQresultErrorMessage(r));
    PQclear(r);
  }
  if (why.empty()) why = trimmed(PQerrorMessage(conn_));
  throw pg_error("postgres: " + why, state, !ok());
}

void pg_connection::exec_script(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(r);
    return;
  }
  std::string state, why = r ? trimmed(PQresultErrorMessage(r)) : trimmed(PQerrorMessage(conn_));
  if (r) {
    const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    state = s ? s : "";
    PQclear(r);
  }
  throw pg_error("postgres: " + why, state, !ok());
}

std::vector<std::string> split_commas(std::string_view joined) {
  std::vector<std::string> out;
  while (!joined.empty()) {
    const auto comma = joined.find(',');
    out.emplace_back(joined.substr(0, comma));
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace lc::record
