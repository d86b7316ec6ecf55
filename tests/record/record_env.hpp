#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "server/record/archive.hpp"
#include "server/record/pg_connection.hpp"
#include "tests/support/pg_fixture.hpp"

namespace lc::test {

// A private PostgreSQL with the schema migrated, and a connection to it.
class record_env {
 public:
  record_env();
  pg_fixture& pg() { return *pg_; }
  record::pg_connection& db() { return *db_; }
  std::unique_ptr<record::pg_connection> connect();

 private:
  std::unique_ptr<pg_fixture> pg_;
  std::unique_ptr<record::pg_connection> db_;
};

// A closed conversation as the archiver would build it: `messages` visitor/agent messages
// alternating, starting at `joined_ms`, one second apart.
record::conversation_archive sample_conversation(const std::string& id, const std::string& visitor,
                                                 std::int64_t joined_ms, int messages = 2,
                                                 const std::string& text = "hello there");

// Issued-looking ids: "c" / "v" and 24 hex digits from `n`.
std::string conv_id(int n);
std::string visitor_id(int n);

}  // namespace lc::test
