#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace lc::record {

// A refusal or failure from PostgreSQL: `sqlstate` is the five-character code when the server
// answered ("" when the connection itself failed), `connection_lost` says the link is gone and
// must be opened again.
class pg_error : public std::runtime_error {
 public:
  pg_error(const std::string& what, std::string sqlstate, bool connection_lost)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)), lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return lost_; }

 private:
  std::string sqlstate_;
  bool lost_;
};

// The rows of one statement's answer, as text (libpq's text format), owned.
class pg_rows {
 public:
  pg_rows() = default;
  explicit pg_rows(pg_result* result);
  std::size_t size() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  std::size_t columns() const { return columns_; }
  bool is_null(std::size_t row, std::size_t column) const;
  std::string_view text(std::size_t row, std::size_t column) const;
  std::int64_t integer(std::size_t row, std::size_t column) const;  // 0 when NULL
  double number(std::size_t row, std::size_t column) const;         // 0 when NULL
  // Rows a statement without RETURNING touched (INSERT, UPDATE, DELETE).
  std::uint64_t affected() const { return affected_; }

 private:
  std::shared_ptr<pg_result> result_;
  std::size_t rows_ = 0, columns_ = 0;
  std::uint64_t affected_ = 0;
};

// One blocking libpq connection. Used only on the record worker's threads, never on the event
// loop, so blocking is its contract; every call is bounded by the connect timeout and the
// session's statement_timeout.
class pg_connection {
 public:
  // Throws pg_error when the server cannot be reached or refuses us.
  pg_connection(const std::string& conninfo, std::chrono::milliseconds timeout);
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;
  ~pg_connection();

  // One statement with $1.. parameters (text; std::nullopt is NULL). Throws pg_error.
  pg_rows exec(std::string_view sql, const std::vector<std::optional<std::string>>& params = {});
  // Several statements without parameters (migrations).
  void exec_script(const std::string& sql);
  bool ok() const;

 private:
  pg_conn* conn_ = nullptr;
};

// A text[] literal ({"a","b"}, quotes and backslashes escaped) for a parameter cast to text[].
std::string text_array(const std::vector<std::string>& items);
// "a,b,c" (an array_to_string of items that hold no ',') back into its items; "" is none.
std::vector<std::string> split_commas(std::string_view joined);

// Runs `body` in one transaction: BEGIN, body, COMMIT; ROLLBACK when it throws (and rethrows).
template <class F>
auto in_transaction(pg_connection& db, F&& body) {
  db.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      db.exec("COMMIT");
    } else {
      auto result = body();
      db.exec("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      if (db.ok()) db.exec("ROLLBACK");
    } catch (...) {  // the original failure is the one to report
    }
    throw;
  }
}

}  // namespace lc::record
