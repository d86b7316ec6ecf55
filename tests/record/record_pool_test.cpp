#include "server/record/record_pool.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

// Runs one job and waits (bounded) for its outcome: "" on success, else the error text.
std::string run(record_pool& pool, record_pool::work w) {
  std::promise<std::string> outcome;
  auto f = outcome.get_future();
  pool.submit(std::move(w), [&](std::exception_ptr e) {
    if (!e) {
      outcome.set_value("");
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      outcome.set_value(x.what());
    }
  });
  if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return "timed out";
  return f.get();
}

TEST(RecordPool, RunsJobsAndMigratesOnFirstConnect) {
  auto pg = test::pg_fixture::start();
  record_pool pool({pg->url(), std::chrono::milliseconds(3000), 2, 100});
  pool.start();
  std::int64_t tables = 0;
  EXPECT_EQ(run(pool,
                [&](pg_connection& db) {
                  tables = db.exec(
                                 "SELECT count(*) FROM pg_tables WHERE tablename = "
                                 "'conversations'")
                               .integer(0, 0);
                }),
            "");
  EXPECT_EQ(tables, 1);
  EXPECT_TRUE(pool.available());
  EXPECT_NE(run(pool, [](pg_connection& db) { db.exec("SELECT * FROM no_such_table"); }), "");
  EXPECT_TRUE(pool.available()) << "a refused statement is not an outage";
}

// PostgreSQL goes away and comes back: jobs fail fast meanwhile, then work again, on the same
// pool, without a restart of the node.
TEST(RecordPool, FailsFastWhileDownAndRecovers) {
  auto pg = test::pg_fixture::start();
  record_pool pool({pg->url(), std::chrono::milliseconds(2000), 1, 100});
  pool.start();
  ASSERT_EQ(run(pool, [](pg_connection& db) { db.exec("SELECT 1"); }), "");
  pg->kill(SIGKILL);
  EXPECT_NE(run(pool, [](pg_connection& db) { db.exec("SELECT 1"); }), "");
  EXPECT_FALSE(pool.available());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_NE(run(pool, [](pg_connection& db) { db.exec("SELECT 1"); }), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  pg->restart();
  std::string last = "never ran";
  for (int i = 0; i < 100 && !last.empty(); ++i) {
    last = run(pool, [](pg_connection& db) { db.exec("SELECT 1"); });
    if (!last.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(last, "");
  EXPECT_TRUE(pool.available());
}

// A server restored from before the schema (or failed over to one behind it): the pool
// migrates it on the next connection, not only on its first.
TEST(RecordPool, ANewConnectionMigratesASchemaThatIsBehind) {
  auto pg = test::pg_fixture::start();
  record_pool pool({pg->url(), std::chrono::milliseconds(3000), 1, 100});
  pool.start();
  ASSERT_EQ(run(pool, [](pg_connection& db) { db.exec("SELECT count(*) FROM conversations"); }),
            "");
  // Every table, whichever migrations made them.
  test::pg_query(pg->url(),
                 "DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE "
                 "schemaname = 'public' LOOP EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(t) || "
                 "' CASCADE'; END LOOP; END $$; "
                 "SELECT pg_terminate_backend(pid) FROM "
                 "pg_stat_activity WHERE application_name = 'livechat'");
  std::string last = "never ran";
  for (int i = 0; i < 50 && !last.empty(); ++i) {
    last = run(pool, [](pg_connection& db) { db.exec("SELECT count(*) FROM conversations"); });
    if (!last.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(last, "");
}

TEST(RecordPool, StoppingFailsWhatIsStillQueued) {
  auto pg = test::pg_fixture::start();
  auto pool = std::make_unique<record_pool>(
      record_pool_options{pg->url(), std::chrono::milliseconds(2000), 1, 100});
  pool->start();
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> failed{0};
  pool->submit([gate](pg_connection&) { gate.wait(); }, [](std::exception_ptr) {});
  for (int i = 0; i < 5; ++i) {
    pool->submit([](pg_connection&) {}, [&](std::exception_ptr e) { failed += e ? 1 : 0; });
  }
  std::thread stopper([&] { pool->stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  stopper.join();
  EXPECT_EQ(failed.load(), 5);
}

}  // namespace
}  // namespace lc::record
