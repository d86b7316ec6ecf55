#include "server/record/migrations.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

TEST(Migrations, AreNumberedFromOneWithoutGaps) {
  const auto& all = migrations();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i + 1)) << all[i].name;
  }
}

TEST(Migrations, ApplyOnceAndThenNothing) {
  auto pg = test::pg_fixture::start();
  pg_connection db(pg->url(), std::chrono::milliseconds(5000));
  EXPECT_EQ(apply_migrations(db), static_cast<int>(migrations().size()));
  EXPECT_EQ(apply_migrations(db), 0);
  EXPECT_EQ(schema_version(db), migrations().back().version);
  EXPECT_EQ(db.exec("SELECT count(*) FROM schema_migrations").integer(0, 0),
            static_cast<std::int64_t>(migrations().size()));
}

// Several nodes starting at once: each migration is applied exactly once, nobody fails.
TEST(Migrations, NodesStartingAtOnceApplyEachOnce) {
  auto pg = test::pg_fixture::start();
  std::atomic<int> applied{0}, failed{0};
  std::vector<std::thread> nodes;
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&] {
      try {
        pg_connection db(pg->url(), std::chrono::milliseconds(5000));
        applied += apply_migrations(db);
      } catch (const std::exception&) {
        ++failed;
      }
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(applied.load(), static_cast<int>(migrations().size()));
}

}  // namespace
}  // namespace lc::record
