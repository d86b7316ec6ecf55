#pragma once

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/app/postgres_launcher.hpp"

namespace lc::test {

// A private PostgreSQL for one test: a copy of the shared template cluster (pg_template_cluster)
// in a fresh scratch dir (pg_scratch_root), fsync off, on a unix socket only, with database
// "livechat" (the server's default) already there. Starts in ~0.1-0.2 s; the destructor stops
// it and removes the dir, and dirs left by test processes that died are swept up.
class pg_fixture {
 public:
  // Throws std::runtime_error (with the log tail) when PostgreSQL cannot start.
  static std::unique_ptr<pg_fixture> start();

  pg_fixture(const pg_fixture&) = delete;
  pg_fixture& operator=(const pg_fixture&) = delete;
  ~pg_fixture();

  // libpq URI of database "livechat".
  std::string url() const { return process_->url(); }
  // CREATE DATABASE `name` ([a-z0-9_]{1,63}); returns its URL.
  std::string create_database(const std::string& name);
  // Signals the postmaster (see postgres_process::kill: after SIGKILL restart() works at once).
  void kill(int signal);
  // Fast shutdown; restart() brings it back.
  void stop();
  // Stops PostgreSQL if it still runs and starts it again on the same data dir and socket, so
  // tests can check what survived (after kill(SIGKILL): crash recovery).
  void restart();
  app::postgres_process& process() { return *process_; }
  const std::filesystem::path& data_dir() const { return process_->data_dir(); }

 private:
  pg_fixture();
  void launch();

  std::filesystem::path dir_;  // <scratch root>/lc-pg-XXXXXX, removed by the destructor
  std::filesystem::path template_;
  std::unique_ptr<app::postgres_process> process_;
};

// Where fixtures put their clusters: /dev/shm when it is a tmpfs with room (copying ~1,300 files
// and starting there takes ~0.1 s; on a disk whose page cache is kept small it took 1-2 s), else
// /tmp.
std::filesystem::path pg_scratch_root();

// The shared template cluster fixtures copy: initdb'd (with database "livechat") once per user
// and installed PostgreSQL binaries, as <scratch root>/livechat-pg-template-<euid>-<hash of the
// binaries>/cluster. Built in a temp dir and renamed into place, so concurrent test processes
// never see half of one (the loser of a race drops its copy). Throws when that path is held by
// another user or writable by others.
std::filesystem::path pg_template_cluster();

// Removes fixture dirs in the scratch root whose test process died without its destructor
// running (a crash, ctest's timeout): in /dev/shm they would hold memory until the next boot.
// Their postmasters went with them (death signal). Runs before a process's first fixture.
void pg_sweep_abandoned_fixtures();

// Runs SQL (several statements when there are no params; the last one's rows count) and returns
// the rows as strings, NULL as "". Throws std::runtime_error with the server's message. For tests.
std::vector<std::vector<std::string>> pg_query(const std::string& url, const std::string& sql,
                                               const std::vector<std::string>& params = {});

}  // namespace lc::test
