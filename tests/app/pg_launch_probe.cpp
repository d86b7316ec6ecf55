// pg_launch_probe <data dir>: starts PostgreSQL there through the launcher (fsync off), runs
// SELECT 1 and prints "ok uid=<our euid> postgres_uid=<the postmaster's uid>", then stops it.
// postgres_launcher_test runs it as an unprivileged user when the test binary is root.
#include <libpq-fe.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "server/app/postgres_launcher.hpp"

namespace {

// The real uid of `pid`, from /proc ("" when unreadable).
std::string process_uid(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) return std::to_string(std::stol(line.substr(4)));
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pg_launch_probe <data dir>\n";
    return 2;
  }
  try {
    auto pg = lc::app::postgres_process::start({.data_dir = argv[1], .fsync = false});
    const std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(pg->conninfo().c_str()),
                                                          PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      std::cerr << "connect: " << PQerrorMessage(conn.get());
      return 1;
    }
    const std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(conn.get(), "SELECT 1"),
                                                                PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK ||
        std::string(PQgetvalue(result.get(), 0, 0)) != "1") {
      std::cerr << "SELECT 1: " << PQresultErrorMessage(result.get());
      return 1;
    }
    std::cout << "ok uid=" << ::geteuid() << " postgres_uid=" << process_uid(pg->pid()) << "\n";
    pg->stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
