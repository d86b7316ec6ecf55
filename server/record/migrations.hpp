#pragma once

#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

// One numbered SQL file of server/record/sql, embedded at build time.
struct migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration, by version.
const std::vector<migration>& migrations();

// Applies, in version order, each migration the database has not recorded, all in one
// transaction under an advisory lock, so nodes starting at once apply each exactly once (the
// others wait, then find nothing left to do). Returns how many this call applied.
int apply_migrations(pg_connection& db);

// The newest version the database records (0 when none).
int schema_version(pg_connection& db);

}  // namespace lc::record
