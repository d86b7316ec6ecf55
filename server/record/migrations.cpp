#include "server/record/migrations.hpp"

#include <set>

namespace lc::record {

namespace {
// Any fixed number: the lock is the project's, held only while migrating.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(7450032611)";
}  // namespace

int apply_migrations(pg_connection& db) {
  return in_transaction(db, [&] {
    db.exec(migration_lock);
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
        "name text NOT NULL, applied_ms bigint NOT NULL)");
    std::set<int> applied;
    auto rows = db.exec("SELECT version FROM schema_migrations");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      applied.insert(static_cast<int>(rows.integer(i, 0)));
    }
    int count = 0;
    for (const auto& m : migrations()) {
      if (applied.count(m.version)) continue;
      db.exec_script(m.sql);
      db.exec(
          "INSERT INTO schema_migrations (version, name, applied_ms) "
          "VALUES ($1, $2, (extract(epoch from clock_timestamp()) * 1000)::bigint)",
          {std::to_string(m.version), std::string(m.name)});
      ++count;
    }
    return count;
  });
}

int schema_version(pg_connection& db) {
  auto rows = db.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return static_cast<int>(rows.integer(0, 0));
}

}  // namespace lc::record
