#include "server/app/postgres_launcher.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/support/pg_fixture.hpp"
#include "tests/support/redis_fixture.hpp"

namespace lc::app {
namespace {

using namespace std::chrono_literals;
using test::pg_query;
using test::temp_dir;

// The cluster from the shared template (fast); the tests that need initdb say so.
std::unique_ptr<postgres_process> start_copy(const std::filesystem::path& data_dir,
                                             const std::string& database = "livechat") {
  return postgres_process::start({.data_dir = data_dir,
                                  .database = database,
                                  .fsync = false,
                                  .template_dir = test::pg_template_cluster()});
}

// A fresh directory in the fixtures' scratch root (tmpfs when there is one: copies are fast),
// which the run-as user can pass through when we are root; removed with everything in it.
class scratch_dir {
 public:
  scratch_dir() {
    std::string tmpl = (test::pg_scratch_root() / "lc-pgl-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp " + tmpl);
    path_ = tmpl;
    if (::geteuid() == 0) ::chmod(path_.c_str(), 0711);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<scratch_dir> reachable_temp_dir() {
  return std::make_unique<scratch_dir>();
}

// The real uid of `pid` from /proc/<pid>/status, -1 when unreadable.
long process_uid(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

std::string scalar(const std::string& url, const std::string& sql) {
  const auto rows = pg_query(url, sql);
  if (rows.size() != 1 || rows[0].size() != 1) throw std::runtime_error("not one value: " + sql);
  return rows[0][0];
}

TEST(PostgresLauncher, StartsOnAPrivateSocketAndCreatesTheDatabase) {
  auto dir = reachable_temp_dir();
  const auto data_dir = dir->path() / "data";
  auto pg = start_copy(data_dir, "chat_db");
  EXPECT_GT(pg->pid(), 0);
  EXPECT_TRUE(pg->running());
  EXPECT_EQ(pg->data_dir(), data_dir);
  EXPECT_EQ(pg->socket_dir(), data_dir.string());
  EXPECT_EQ(pg->conninfo(),
            "host=" + data_dir.string() + " port=5432 user=livechat dbname=chat_db");
  EXPECT_EQ(pg->url(), "postgresql://livechat@/chat_db?host=" + percent_encode(data_dir.string()) +
                           "&port=5432");
  EXPECT_EQ(pg->log_file(), dir->path() / "data.log");

  struct stat st {};
  ASSERT_EQ(::stat((data_dir / ".s.PGSQL.5432").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(data_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(pg->log_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Both address forms work; the database exists; no TCP at all; the test settings are on.
  EXPECT_EQ(scalar(pg->url(), "SELECT current_database()"), "chat_db");
  const std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(pg->conninfo().c_str()),
                                                        PQfinish);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(scalar(pg->url(), "SHOW listen_addresses"), "");
  EXPECT_EQ(scalar(pg->url(), "SHOW fsync"), "off");
  EXPECT_EQ(scalar(pg->url(), "SHOW server_encoding"), "UTF8");
  EXPECT_EQ(scalar(pg->url(), "SHOW lc_collate"), "C.UTF-8");
  EXPECT_EQ(scalar(pg->url(), "SELECT count(*) FROM pg_extension WHERE extname = 'plpgsql'"), "1");
  // pg_trgm ships with postgresql-15 itself: search depends on it.
  EXPECT_NO_THROW(pg_query(pg->url(), "CREATE EXTENSION pg_trgm"));

  pg->stop();
  EXPECT_FALSE(pg->running());
  EXPECT_FALSE(std::filesystem::exists(data_dir / ".s.PGSQL.5432"));
  pg->stop();  // idempotent
}

TEST(PostgresLauncher, InitdbOnFirstStartThenRestartKeepsTheData) {
  auto dir = reachable_temp_dir();
  const auto data_dir = dir->path() / "pg";
  auto pg = postgres_process::start({.data_dir = data_dir, .fsync = false});  // real initdb
  ASSERT_TRUE(std::filesystem::exists(data_dir / "PG_VERSION"));
  EXPECT_NE(pg->log_tail(1 << 20).find("creating subdirectories ... ok"), std::string::npos)
      << "initdb's output goes to the log";
  EXPECT_EQ(scalar(pg->url(), "SELECT rolname FROM pg_roles WHERE rolsuper AND oid = 10"),
            "livechat");
  pg_query(pg->url(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')");
  const auto version_time = std::filesystem::last_write_time(data_dir / "PG_VERSION");
  pg->stop();

  pg = postgres_process::start({.data_dir = data_dir, .fsync = false});
  EXPECT_EQ(std::filesystem::last_write_time(data_dir / "PG_VERSION"), version_time) << "no initdb";
  EXPECT_EQ(scalar(pg->url(), "SELECT v FROM kept"), "before restart");
}

TEST(PostgresLauncher, SigkillWithOpenSessionsThenRestartRecovers) {
  auto dir = reachable_temp_dir();
  const auto data_dir = dir->path() / "data";
  auto pg = start_copy(data_dir);
  // Committed with synchronous_commit on, so the WAL is written out before the kill.
  pg_query(pg->url(),
           "SET synchronous_commit = on; CREATE TABLE t (v int); INSERT INTO t VALUES (42)");
  // An open session: its backend outlives the postmaster for a moment and holds the shared
  // memory a new postmaster must see released.
  const std::unique_ptr<PGconn, void (*)(PGconn*)> idle(PQconnectdb(pg->conninfo().c_str()),
                                                        PQfinish);
  ASSERT_EQ(PQstatus(idle.get()), CONNECTION_OK);
  pg->kill(SIGKILL);
  EXPECT_FALSE(pg->running());
  ASSERT_TRUE(std::filesystem::exists(data_dir / "postmaster.pid")) << "the stale lock file";

  const auto t0 = std::chrono::steady_clock::now();
  auto again = start_copy(data_dir);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(scalar(again->url(), "SELECT v FROM t"), "42");
  EXPECT_NE(again->log_tail(1 << 20).find("not properly shut down"), std::string::npos)
      << again->log_tail();
}

TEST(PostgresLauncher, StoppedPostmasterStillStops) {
  auto dir = reachable_temp_dir();
  auto pg = start_copy(dir->path() / "data");
  pg->kill(SIGSTOP);
  EXPECT_TRUE(pg->running());
  pg->kill(SIGCONT);
  EXPECT_EQ(scalar(pg->url(), "SELECT 1"), "1");
  pg->kill(SIGSTOP);
  const auto t0 = std::chrono::steady_clock::now();
  pg->stop();  // SIGCONT follows the SIGINT
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 9s) << "fast shutdown, not the SIGKILL";
  EXPECT_FALSE(pg->running());
}

TEST(PostgresLauncher, ShutsDownWhenTheStartingThreadDies) {
  // The death signal (SIGINT: fast shutdown) fires when the forking thread exits.
  auto dir = reachable_temp_dir();
  std::unique_ptr<postgres_process> pg;
  std::thread([&] { pg = start_copy(dir->path() / "data"); }).join();
  ASSERT_NE(pg, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pg->running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(pg->running()) << "the postmaster outlived the thread that started it";
  EXPECT_NE(pg->log_tail().find("received fast shutdown request"), std::string::npos)
      << pg->log_tail();
}

TEST(PostgresLauncher, SecondServerOnTheSameDataDirIsRefused) {
  auto dir = reachable_temp_dir();
  auto pg = start_copy(dir->path() / "data");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    start_copy(dir->path() / "data");
    ADD_FAILURE() << "two postmasters on one data dir";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("postmaster.pid"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s) << "refused at once, not at the timeout";
  EXPECT_EQ(scalar(pg->url(), "SELECT 1"), "1") << "the first one is untouched";
}

TEST(PostgresLauncher, LongDataDirPathGetsASocketDirUnderTmp) {
  auto dir = reachable_temp_dir();
  auto data_dir = dir->path();
  for (int i = 0; i < 4; ++i) {
    data_dir /= std::string(30, static_cast<char>('a' + i));
    std::filesystem::create_directory(data_dir);
    if (::geteuid() == 0) ::chmod(data_dir.c_str(), 0711);
  }
  data_dir /= "data";
  ASSERT_GT(data_dir.string().size(), 107u);
  auto pg = start_copy(data_dir);
  EXPECT_EQ(pg->socket_dir().rfind("/tmp/lc-pgsock-", 0), 0u) << pg->socket_dir();
  struct stat st {};
  ASSERT_EQ(::stat(pg->socket_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(static_cast<long>(st.st_uid), process_uid(pg->pid())) << "the run-as user's";
  EXPECT_EQ(scalar(pg->url(), "SELECT 1"), "1");
  const std::string socket_dir = pg->socket_dir();
  pg->stop();
  EXPECT_FALSE(std::filesystem::exists(socket_dir));
}

TEST(PostgresLauncher, EnvironmentOfOursDoesNotLeakIn) {
  // PGDATA/PGPORT would move the server, PGHOST/PGUSER/PGDATABASE our readiness check, and
  // PGOPTIONS would make our CREATE DATABASE fail.
  const std::vector<std::pair<const char*, const char*>> vars = {
      {"PGDATA", "/nonexistent"}, {"PGPORT", "1"},
      {"PGHOST", "/nonexistent"}, {"PGUSER", "nobody_here"},
      {"PGDATABASE", "nope"},     {"PGOPTIONS", "-c default_transaction_read_only=on"}};
  for (const auto& [k, v] : vars) ::setenv(k, v, 1);
  auto dir = reachable_temp_dir();
  std::unique_ptr<postgres_process> pg;
  try {
    pg = start_copy(dir->path() / "data", "made_here");
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  for (const auto& [k, v] : vars) ::unsetenv(k);
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(scalar(pg->url(), "SELECT current_database()"), "made_here");
  EXPECT_EQ(scalar(pg->url(), "SHOW port"), "5432");
}

TEST(PostgresLauncher, RefusesBadNames) {
  temp_dir dir("lc-pgl");
  EXPECT_THROW(postgres_process::start({.data_dir = dir.path() / "d", .database = "x; DROP"}),
               std::runtime_error);
  EXPECT_THROW(postgres_process::start({.data_dir = dir.path() / "d", .user = "Root"}),
               std::runtime_error);
  EXPECT_THROW(postgres_process::start({.data_dir = {}}), std::runtime_error);
  EXPECT_THROW(postgres_process::start({.data_dir = dir.path() / "d", .bin_dir = "/nonexistent"}),
               std::runtime_error);
}

TEST(PostgresLauncher, RunsAsAnUnprivilegedUserWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: PostgreSQL runs as us, nothing to switch";
  auto dir = reachable_temp_dir();
  const auto data_dir = dir->path() / "data";
  auto pg = start_copy(data_dir);
  const long uid = process_uid(pg->pid());
  EXPECT_GT(uid, 0) << "the postmaster runs as root";
  const passwd* expected = ::getpwnam("postgres");
  if (expected == nullptr) expected = ::getpwnam("nobody");
  ASSERT_NE(expected, nullptr);
  EXPECT_EQ(uid, static_cast<long>(expected->pw_uid));
  struct stat st {};
  ASSERT_EQ(::stat(data_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, expected->pw_uid);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((data_dir / "base").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, expected->pw_uid) << "the template copy is chowned";
  EXPECT_EQ(scalar(pg->url(), "SELECT 1"), "1") << "root reaches the 0700 socket";
}

TEST(PostgresLauncher, ExplicitRunAsUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "run_as applies to root only";
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) GTEST_SKIP() << "no user 'nobody'";
  const uid_t nobody_uid = nobody->pw_uid;
  auto dir = reachable_temp_dir();
  EXPECT_THROW(postgres_process::start({.data_dir = dir->path() / "x", .run_as = "no_such_user"}),
               std::runtime_error);
  EXPECT_THROW(postgres_process::start({.data_dir = dir->path() / "y", .run_as = "root"}),
               std::runtime_error);
  // The template belongs to the default run-as user: this one gets its own initdb.
  auto pg = postgres_process::start(
      {.data_dir = dir->path() / "data", .run_as = "nobody", .fsync = false});
  EXPECT_EQ(process_uid(pg->pid()), static_cast<long>(nobody_uid));
  EXPECT_EQ(scalar(pg->url(), "SELECT 1"), "1");
}

// The user PostgreSQL runs as when we are root and no run_as is given.
const passwd* default_run_as() {
  const passwd* user = ::getpwnam("postgres");
  return user != nullptr ? user : ::getpwnam("nobody");
}

// The name relocated clusters get: FNV-1a 64 of the data dir's path, 16 hex digits. Pinned here
// because a changed name would strand every relocated cluster.
std::string fnv1a64_hex(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(PostgresLauncher, RelocatesAClusterTheRunAsUserCannotReach) {
  // The README's run as root from a checkout under /root (0700): the run-as user cannot get to
  // <data-dir>/postgres, so the cluster goes under relocation_root (here a temp dir of ours).
  if (::geteuid() != 0) GTEST_SKIP() << "as root only: PostgreSQL then runs as another user";
  const passwd* run_as = default_run_as();
  ASSERT_NE(run_as, nullptr);
  const uid_t run_as_uid = run_as->pw_uid;
  const bool var_lib_before = std::filesystem::exists("/var/lib/livechat");
  std::filesystem::path cluster;
  std::filesystem::path relocation_root;
  {
    temp_dir closed("lc-pgl");  // 0700 root, like /root
    auto reachable = reachable_temp_dir();
    const auto data_dir = closed.path() / "checkout" / "data" / "postgres";
    relocation_root = reachable->path() / "livechat" / "postgres";
    const postgres_launch_options options{.data_dir = data_dir,
                                          .relocation_root = relocation_root,
                                          .fsync = false,
                                          .template_dir = test::pg_template_cluster()};
    auto pg = postgres_process::start(options);
    EXPECT_TRUE(pg->relocated());
    EXPECT_NE(pg->relocation_reason().find("cannot reach the data dir " + data_dir.string()),
              std::string::npos)
        << pg->relocation_reason();
    EXPECT_NE(pg->relocation_reason().find(closed.path().string() + " (owner uid 0"),
              std::string::npos)
        << pg->relocation_reason();
    cluster = pg->data_dir();
    EXPECT_EQ(cluster, relocation_root / fnv1a64_hex(data_dir.string()));
    EXPECT_EQ(pg->requested_data_dir(), data_dir);
    EXPECT_EQ(pg->socket_dir(), cluster.string());
    EXPECT_EQ(pg->log_file(), closed.path() / "checkout" / "data" / "postgres.log")
        << "the log stays where it was: we open it, the programs inherit it";
    EXPECT_NE(pg->log_tail(1 << 20).find("livechat: cluster relocated to " + cluster.string()),
              std::string::npos)
        << pg->log_tail();
    EXPECT_EQ(scalar(pg->url(), "SELECT 1"), "1");
    pg_query(pg->url(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('relocated')");

    struct stat st {};
    for (const auto& made : {relocation_root.parent_path(), relocation_root}) {
      ASSERT_EQ(::stat(made.c_str(), &st), 0) << made;
      EXPECT_EQ(st.st_uid, 0u) << made;
      EXPECT_EQ(st.st_mode & 0777, 0755u) << made;
    }
    ASSERT_EQ(::stat(cluster.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, run_as_uid);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_TRUE(std::filesystem::exists(cluster / "PG_VERSION"));
    // The requested data dir: root's, closed, holding only the marker naming the cluster.
    ASSERT_EQ(::stat(data_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::vector<std::string> entries;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
      entries.push_back(entry.path().filename().string());
    }
    EXPECT_EQ(entries, std::vector<std::string>{"RELOCATED"});
    EXPECT_EQ(first_line(data_dir / "RELOCATED"), cluster.string());
    EXPECT_NE(app::file_tail(data_dir / "RELOCATED", 1 << 16).find("refuses to run as root"),
              std::string::npos);
    const auto version_time = std::filesystem::last_write_time(cluster / "PG_VERSION");
    pg->stop();

    // The next start finds the same cluster, data and all.
    pg = postgres_process::start(options);
    EXPECT_TRUE(pg->relocated());
    EXPECT_EQ(pg->data_dir(), cluster);
    EXPECT_EQ(std::filesystem::last_write_time(cluster / "PG_VERSION"), version_time)
        << "not copied again";
    EXPECT_EQ(scalar(pg->url(), "SELECT v FROM kept"), "relocated");
    pg->stop();

    // Once the checkout is reachable the marker still leads to the cluster, not to a new one.
    ASSERT_EQ(::chmod(closed.path().c_str(), 0711), 0);
    pg = postgres_process::start(options);
    EXPECT_TRUE(pg->relocated());
    EXPECT_NE(pg->relocation_reason().find("relocated on an earlier start"), std::string::npos)
        << pg->relocation_reason();
    EXPECT_EQ(pg->data_dir(), cluster);
    EXPECT_EQ(scalar(pg->url(), "SELECT v FROM kept"), "relocated");
  }
  EXPECT_FALSE(std::filesystem::exists(cluster));
  EXPECT_FALSE(std::filesystem::exists(relocation_root));
  EXPECT_EQ(std::filesystem::exists("/var/lib/livechat"), var_lib_before) << "tests stay out";
}

TEST(PostgresLauncher, ReachableDataDirIsNotRelocated) {
  if (::geteuid() != 0) GTEST_SKIP() << "relocation applies to root only";
  auto dir = reachable_temp_dir();
  const auto relocation_root = dir->path() / "fallback";
  auto pg = postgres_process::start({.data_dir = dir->path() / "data",
                                     .relocation_root = relocation_root,
                                     .fsync = false,
                                     .template_dir = test::pg_template_cluster()});
  EXPECT_FALSE(pg->relocated());
  EXPECT_EQ(pg->relocation_reason(), "");
  EXPECT_EQ(pg->data_dir(), dir->path() / "data");
  EXPECT_EQ(pg->requested_data_dir(), dir->path() / "data");
  EXPECT_FALSE(std::filesystem::exists(relocation_root));
  EXPECT_FALSE(std::filesystem::exists(dir->path() / "data" / "RELOCATED"));
}

TEST(PostgresLauncher, UnreachableDataDirIsAClearErrorWhenItCannotBeRelocated) {
  if (::geteuid() != 0) GTEST_SKIP() << "as root only: PostgreSQL then runs as another user";
  temp_dir dir("lc-pgl");          // 0700 root: the run-as user cannot pass
  temp_dir closed_root("lc-pgl");  // and the fallback is no better
  const auto data_dir = dir.path() / "inner" / "data";
  const auto relocation_root = closed_root.path() / "postgres";
  try {
    postgres_process::start(
        {.data_dir = data_dir, .relocation_root = relocation_root, .fsync = false});
    ADD_FAILURE() << "started in a directory the run-as user cannot reach";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot reach the data dir " + data_dir.string()), std::string::npos)
        << what;
    EXPECT_NE(what.find(dir.path().string() + " (owner uid 0"), std::string::npos) << what;
    EXPECT_NE(what.find("mode 0700"), std::string::npos) << what;
    EXPECT_NE(what.find("relocation_root " + relocation_root.string()), std::string::npos) << what;
    EXPECT_NE(what.find("cannot reach it either: " + closed_root.path().string()),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("Choose a data dir that user can reach"), std::string::npos) << what;
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir)) << "no marker for a cluster that is not there";

  // No relocation_root at all: the same error, saying so.
  try {
    postgres_process::start({.data_dir = data_dir, .relocation_root = {}, .fsync = false});
    ADD_FAILURE() << "relocated with no relocation_root";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot reach the data dir " + data_dir.string()), std::string::npos)
        << what;
    EXPECT_NE(what.find("no relocation_root"), std::string::npos) << what;
  }
}

TEST(PostgresLauncher, UnreachableDataDirHoldingFilesIsNotRelocated) {
  // Its files may be a cluster or somebody's data: a fresh cluster elsewhere would hide them.
  if (::geteuid() != 0) GTEST_SKIP() << "as root only: PostgreSQL then runs as another user";
  temp_dir dir("lc-pgl");
  auto reachable = reachable_temp_dir();
  const auto relocation_root = reachable->path() / "postgres";
  const auto data_dir = dir.path() / "data";
  std::filesystem::create_directory(data_dir);
  const auto error_of = [&] {
    try {
      postgres_process::start(
          {.data_dir = data_dir, .relocation_root = relocation_root, .fsync = false});
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("started");
  };
  std::ofstream(data_dir / "PG_VERSION") << "15\n";
  std::string what = error_of();
  EXPECT_NE(what.find("cannot reach the data dir " + data_dir.string()), std::string::npos) << what;
  EXPECT_NE(what.find("it holds a cluster"), std::string::npos) << what;
  std::filesystem::remove(data_dir / "PG_VERSION");

  std::ofstream(data_dir / "notes.txt") << "mine\n";
  what = error_of();
  EXPECT_NE(what.find("it is not empty"), std::string::npos) << what;
  std::filesystem::remove(data_dir / "notes.txt");
  EXPECT_FALSE(std::filesystem::exists(relocation_root)) << "refused before making anything";

  // A marker naming another cluster (relocation_root changed since): not a fresh empty one.
  std::ofstream(data_dir / "RELOCATED") << "/elsewhere/0123456789abcdef\nwhy\n";
  what = error_of();
  EXPECT_NE(what.find("its cluster is at /elsewhere/0123456789abcdef"), std::string::npos) << what;
  EXPECT_NE(what.find("puts it at " + (relocation_root / fnv1a64_hex(data_dir.string())).string()),
            std::string::npos)
      << what;
}

TEST(PostgresLauncher, StartsAsANormalUser) {
  // The launcher as an unprivileged process: no user switch, initdb and postgres run as us.
  if (::geteuid() != 0)
    GTEST_SKIP() << "not root: every other test here already runs as a normal user";
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) GTEST_SKIP() << "no user 'nobody' to run the probe as";
  const int uid = static_cast<int>(nobody->pw_uid);
  const int gid = static_cast<int>(nobody->pw_gid);
  auto reach = child_process::spawn(
      {.executable = "test", .args = {"-x", LC_PG_LAUNCH_PROBE}, .uid = uid, .gid = gid});
  ASSERT_TRUE(reach.wait_for(5s));
  if (describe_wait_status(*reach.exit_status()) != "exit code 0") {
    GTEST_SKIP() << "user nobody cannot execute " << LC_PG_LAUNCH_PROBE
                 << " (a directory above it is closed to others)";
  }
  auto dir = reachable_temp_dir();
  const auto home = dir->path() / "nobody";
  std::filesystem::create_directory(home);
  ASSERT_EQ(::chown(home.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  const auto out = dir->path() / "probe.out";
  auto probe = child_process::spawn({.executable = LC_PG_LAUNCH_PROBE,
                                     .args = {(home / "data").string()},
                                     .output_file = out,
                                     .uid = uid,
                                     .gid = gid});
  ASSERT_TRUE(probe.wait_for(60s));
  const std::string output = app::file_tail(out, 1 << 16);
  EXPECT_EQ(describe_wait_status(*probe.exit_status()), "exit code 0") << output;
  const std::string id = std::to_string(uid);
  EXPECT_NE(output.find("ok uid=" + id + " postgres_uid=" + id), std::string::npos) << output;
}

TEST(PostgresLauncher, PercentEncoding) {
  EXPECT_EQ(percent_encode("/tmp/a b/c"), "%2Ftmp%2Fa%20b%2Fc");
  EXPECT_EQ(percent_encode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(percent_encode("é"), "%C3%A9");
}

TEST(PostgresLauncher, FindsTheServerPrograms) {
  const std::string bin = postgres_bin_dir();
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(bin) / "initdb")) << bin;
  EXPECT_EQ(postgres_bin_dir(bin), bin);
  const std::string version = postgres_version(bin);
  EXPECT_FALSE(version.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(version[0]))) << version;
}

}  // namespace
}  // namespace lc::app
