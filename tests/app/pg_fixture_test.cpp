#include "tests/support/pg_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/shm.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

namespace lc::test {
namespace {

using namespace std::chrono_literals;
using rows = std::vector<std::vector<std::string>>;

TEST(PgFixture, TwoAtOnceAreSeparateAndStartFast) {
  pg_template_cluster();  // built once per machine; not part of a fixture's start
  const auto t0 = std::chrono::steady_clock::now();
  auto a = pg_fixture::start();
  const auto t1 = std::chrono::steady_clock::now();
  auto b = pg_fixture::start();
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); };
  std::cout << "pg_fixture::start took " << ms(t1 - t0).count() << " ms and "
            << ms(std::chrono::steady_clock::now() - t1).count() << " ms\n";
  EXPECT_LT(t1 - t0, 5s);
  EXPECT_NE(a->url(), b->url());
  EXPECT_NE(a->process().pid(), b->process().pid());
  EXPECT_EQ(pg_query(a->url(), "SELECT current_database()"), (rows{{"livechat"}}));
  pg_query(a->url(), "CREATE TABLE only_in_a (v int)");
  EXPECT_EQ(pg_query(a->url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"),
            (rows{{"1"}}));
  EXPECT_EQ(pg_query(b->url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"),
            (rows{{"0"}}));
  const auto dir = a->data_dir();
  a.reset();
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the destructor removes the cluster";
}

TEST(PgFixture, CreateDatabaseAndQueryWithParams) {
  auto pg = pg_fixture::start();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string url = pg->create_database("second");
  std::cout << "create_database took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms\n";
  EXPECT_EQ(url, pg->process().url("second"));
  EXPECT_EQ(pg_query(url, "SELECT current_database()"), (rows{{"second"}}));
  EXPECT_EQ(pg_query(url, "SELECT $1::text || $2::text, NULL, 7", {"it's ", "fine"}),
            (rows{{"it's fine", "", "7"}}));
  EXPECT_EQ(pg_query(url, "CREATE TABLE t (v int); INSERT INTO t VALUES (1), (2); SELECT v FROM t"),
            (rows{{"1"}, {"2"}}));
  EXPECT_EQ(pg_query(url, "SELECT v FROM t WHERE v > 5"), rows{});
  try {
    pg_query(url, "SELECT * FROM no_such_table");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pg->create_database("Bad-Name"), std::runtime_error);
}

TEST(PgFixture, KilledAndRestarted) {
  auto pg = pg_fixture::start();
  const std::string url = pg->url();
  pg_query(url, "SET synchronous_commit = on; CREATE TABLE t (v text); INSERT INTO t VALUES ('x')");
  pg->kill(SIGKILL);
  EXPECT_FALSE(pg->process().running());
  EXPECT_THROW(pg_query(url, "SELECT 1"), std::runtime_error);
  pg->restart();
  EXPECT_EQ(pg->url(), url) << "same socket, same URL";
  EXPECT_EQ(pg_query(url, "SELECT v FROM t"), (rows{{"x"}}));
  pg->stop();
  pg->restart();  // after a clean stop too
  EXPECT_EQ(pg_query(url, "SELECT v FROM t"), (rows{{"x"}}));
}

TEST(PgFixture, KilledAndDroppedLeavesNoSharedMemory) {
  // A SIGKILLed postmaster's SysV segment outlives it; the destructor has it cleaned up.
  auto pg = pg_fixture::start();
  std::ifstream lock(pg->data_dir() / "postmaster.pid");
  std::string line;
  for (int i = 0; i < 7; ++i) std::getline(lock, line);
  std::istringstream shm(line);
  long key = 0;
  int id = -1;
  ASSERT_TRUE(shm >> key >> id) << line;
  pg->kill(SIGKILL);
  shmid_ds ds{};
  ASSERT_EQ(::shmctl(id, IPC_STAT, &ds), 0) << "left behind by the kill";
  pg.reset();
  EXPECT_TRUE(::shmctl(id, IPC_STAT, &ds) != 0 || ds.shm_perm.__key != key)
      << "segment " << id << " still there";
}

TEST(PgFixture, SweepsTheDirsOfDeadTestProcesses) {
  const auto make_dir = [](pid_t owner) {
    std::string tmpl = (pg_scratch_root() / "lc-pg-sweep-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    std::ofstream(std::filesystem::path(tmpl) / "owner.pid") << owner << "\n";
    return std::filesystem::path(tmpl);
  };
  auto gone = app::child_process::spawn({.executable = "true"});
  ASSERT_TRUE(gone.wait_for(5s));
  const auto abandoned = make_dir(gone.pid());
  const auto alive = make_dir(::getpid());
  pg_sweep_abandoned_fixtures();
  EXPECT_FALSE(std::filesystem::exists(abandoned));
  EXPECT_TRUE(std::filesystem::exists(alive));
  std::filesystem::remove_all(alive);
}

}  // namespace
}  // namespace lc::test
