// The bans in force as Redis keeps them, against a real redis-server.
#include "server/store/ban_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

using namespace std::chrono_literals;

class BanStore : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<store_env>(redis());
    bans_ = std::make_unique<store::ban_store>(env_->connection());
  }
  std::int64_t find(std::vector<std::string> parts) { return env_->run(bans_->find(parts)); }

  std::unique_ptr<store_env> env_;
  std::unique_ptr<store::ban_store> bans_;
};

TEST_F(BanStore, AnIdentifierPutIsFoundUntilRemoved) {
  EXPECT_EQ(find({"v:v1", "a:7f"}), 0);
  env_->run(bans_->put("a:7f", 12, 0ms));
  EXPECT_EQ(find({"v:v1", "a:7f", "e:ab"}), 12) << "any one identifier is enough";
  EXPECT_EQ(find({"v:v1"}), 0);
  env_->run(bans_->put("v:v1", 13, 0ms));
  EXPECT_EQ(find({"v:v1", "a:7f"}), 13) << "the first in the list wins";
  env_->run(bans_->remove("a:7f"));
  EXPECT_EQ(find({"a:7f"}), 0);
  EXPECT_EQ(find({}), 0);
}

TEST_F(BanStore, ARemovalOfOneBanLeavesANewerBanOnTheSameIdentifier) {
  env_->run(bans_->put("v:v1", 20, 0ms));
  env_->run(bans_->remove_if("v:v1", 19));
  EXPECT_EQ(find({"v:v1"}), 20) << "not the ban it held";
  env_->run(bans_->remove_if("v:v1", 20));
  EXPECT_EQ(find({"v:v1"}), 0);
  env_->run(bans_->remove_if("a:7f", 20));  // nothing there: nothing happens
  EXPECT_EQ(find({"a:7f"}), 0);
}

TEST_F(BanStore, ABanForAPeriodExpiresWithIt) {
  env_->run(bans_->put("e:ab", 5, 150ms));
  EXPECT_EQ(find({"e:ab"}), 5);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(find({"e:ab"}), 0);
}

TEST_F(BanStore, AKeyPartThatWouldNameAnotherKeyIsRefused) {
  for (const char* bad : {"", "v:", "x:1", "v1", "v:a:b", "v:{x}"}) {
    EXPECT_THROW(env_->run(bans_->put(bad, 1, 0ms)), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace lc::test
