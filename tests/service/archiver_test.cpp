// The archiver: closed conversations move to the system of record (a real PostgreSQL from the
// fixture), Redis lets them go, and nothing is lost or doubled when PostgreSQL or a node fails.
#include "server/service/archiver.hpp"

#include <gtest/gtest.h>

#include "server/core/response_clock.hpp"
#include "server/record/migrations.hpp"
#include "tests/service/service_env.hpp"
#include "tests/support/pg_fixture.hpp"

namespace lc::test {
namespace {

class Archiver : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    pg_ = pg_fixture::start();
    record::pg_connection db(pg_->url(), 2000ms);
    record::apply_migrations(db);  // as the first node to start would have
    pool_ = make_pool();
  }
  std::unique_ptr<record::record_pool> make_pool() {
    auto p = std::make_unique<record::record_pool>(
        record::record_pool_options{pg_->url(), 2000ms, 1, 1000});
    p->start();
    return p;
  }
  static void tune(service::service_options& o) {
    o.archive_retry_after = 300ms;
    o.keep_closed = 60s;
  }
  std::unique_ptr<service_env> node(const std::string& id, record::record_pool* pool) {
    return std::make_unique<service_env>(redis(), id, tune, pool);
  }
  // A visitor and alice chat (two messages each way) and the visitor closes; returns the id.
  std::string chat(service_env& env, const std::string& first = "my parcel is late") {
    std::unique_ptr<fake_client> visitor;
    return chat(env, visitor, first);
  }
  std::string chat(service_env& env, std::unique_ptr<fake_client>& visitor,
                   const std::string& first = "my parcel is late") {
    auto agent = env.connect();
    agent->hello_agent("alice", {"billing"}, 4);
    agent->presence(pb::PRESENCE_STATUS_ONLINE);
    visitor = env.connect();
    last_token_ = visitor->hello_visitor().visitor_token();
    auto conv = visitor->join("Vic", "billing", first, "j1").conversation_id();
    EXPECT_TRUE(agent->wait_assigned(conv));
    EXPECT_TRUE(agent->send_text(conv, "a1", "let me look").has_ack());
    EXPECT_TRUE(visitor->send_text(conv, "v1", "thanks").has_ack());
    EXPECT_TRUE(agent->send_text(conv, "a2", "it ships today").has_ack());
    pb::ClientEnvelope close;
    close.mutable_close()->set_conversation_id(conv);
    EXPECT_TRUE(visitor->request(close).has_ack());
    return conv;
  }
  std::string pg(const std::string& sql, const std::string& param) { return first(sql, {param}); }
  std::string pg(const std::string& sql) { return first(sql, {}); }
  std::string first(const std::string& sql, const std::vector<std::string>& params) {
    auto rows = pg_query(pg_->url(), sql, params);
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }
  bool archived(service_env& env, const std::string& conv) {
    return env.run_until(
        [&] {
          return pg("SELECT count(*) FROM conversations WHERE id = $1", conv) == "1" &&
                 redis().command({"ZSCORE", "lc:archive:pending", conv}) == "(nil)";
        },
        10s);
  }

  std::unique_ptr<pg_fixture> pg_;
  std::unique_ptr<record::record_pool> pool_;
  std::string last_token_;  // the visitor token of the last chat()
};

TEST_F(Archiver, AClosedConversationMovesToTheRecordAndRedisLetsItGo) {
  auto env = node("n1", pool_.get());
  const auto conv = chat(*env);
  ASSERT_TRUE(archived(*env, conv));
  EXPECT_EQ(pg("SELECT count(*) FROM events WHERE conversation_id = $1", conv),
            redis().command({"XLEN", "lc:conv:" + conv + ":s"}));
  EXPECT_EQ(
      pg("SELECT visitor_messages || '/' || agent_messages FROM conversations WHERE id = $1", conv),
      "2/2");
  // Redis keeps it for the window, then it is gone.
  const auto ttl = std::stoll(redis().command({"PTTL", "lc:conv:" + conv}));
  EXPECT_GT(ttl, 50000);
  EXPECT_LE(ttl, 60000);
  EXPECT_GT(std::stoll(redis().command({"PTTL", "lc:conv:" + conv + ":s"})), 50000);
}

// The record's response times are the core clock's over the same events.
TEST_F(Archiver, TheRecordsTimesAreTheCoreClocks) {
  auto env = node("n1", pool_.get());
  const auto conv = chat(*env);
  ASSERT_TRUE(archived(*env, conv));
  auto events = pg_query(pg_->url(),
                         "SELECT kind, role, sender_id, agent_id, department, at_ms FROM events "
                         "WHERE conversation_id = $1 ORDER BY seq",
                         {conv});
  std::vector<core::clock_event> clock;
  for (const auto& e : events) {
    clock.push_back({static_cast<pb::EventKind>(std::stoi(e[0])),
                     static_cast<pb::Role>(std::stoi(e[1])), e[2], e[3], e[4], std::stoll(e[5])});
  }
  auto times = core::measure_conversation(clock);
  auto rows = pg_query(pg_->url(),
                       "SELECT measure, value, at_ms FROM measurements WHERE conversation_id = $1 "
                       "ORDER BY idx",
                       {conv});
  ASSERT_EQ(rows.size(), times.measurements.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], core::measure_name(times.measurements[i].what));
    EXPECT_EQ(rows[i][1], std::to_string(times.measurements[i].value_ms));
    EXPECT_EQ(rows[i][2], std::to_string(times.measurements[i].at_ms));
  }
}

TEST_F(Archiver, ALateRatingReachesTheRecord) {
  auto env = node("n1", pool_.get());
  std::unique_ptr<fake_client> visitor;
  const auto conv = chat(*env, visitor);
  ASSERT_TRUE(archived(*env, conv));
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv);
  rate.mutable_rate()->set_rating(5);
  rate.mutable_rate()->set_comment("great");
  ASSERT_TRUE(visitor->request(rate).has_ack());
  EXPECT_TRUE(env->run_until(
      [&] {
        return pg("SELECT rating || comment FROM conversations WHERE id = $1", conv) == "5great";
      },
      10s));
  EXPECT_EQ(pg("SELECT count(*) FROM measurements WHERE conversation_id = $1 AND measure = "
               "'rating'",
               conv),
            "1");
  EXPECT_TRUE(env->run_until([&] {
    return redis().command({"ZSCORE", "lc:archive:pending", conv}) == "(nil)";
  }));
}

// PostgreSQL down: chat goes on, the closed conversation waits in Redis (and says so), and is
// archived once, with nothing lost, when PostgreSQL is back.
TEST_F(Archiver, PostgresDownChatGoesOnAndTheArchiveCatchesUp) {
  auto env = node("n1", pool_.get());
  pg_->stop();
  const auto conv = chat(*env);
  env->run_for(1500ms);
  EXPECT_NE(redis().command({"ZSCORE", "lc:archive:pending", conv}), "(nil)");
  EXPECT_TRUE(env->service().archive_degraded());
  EXPECT_EQ(redis().command({"PTTL", "lc:conv:" + conv}), "-1") << "nothing expires unarchived";
  const auto metrics = env->service().metrics().render();
  EXPECT_NE(metrics.find("livechat_archive_backlog 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("livechat_archive_up 0"), std::string::npos);
  pg_->restart();
  ASSERT_TRUE(archived(*env, conv));
  EXPECT_EQ(pg("SELECT count(*) FROM events WHERE conversation_id = $1", conv),
            redis().command({"XLEN", "lc:conv:" + conv + ":s"}));
  EXPECT_TRUE(env->run_until([&] { return !env->service().archive_degraded(); }));
}

// PostgreSQL killed while a node archives a burst of closes: after it restarts, each
// conversation is in the record exactly once.
TEST_F(Archiver, PostgresKilledDuringArchivingLosesAndDoublesNothing) {
  auto env = node("n1", pool_.get());
  auto agent = env->connect();
  agent->hello_agent("alice", {"billing"}, 50);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  std::vector<std::string> convs;
  std::vector<std::unique_ptr<fake_client>> visitors;
  for (int i = 0; i < 20; ++i) {
    auto v = env->connect();
    v->hello_visitor();
    convs.push_back(v->join("V" + std::to_string(i), "billing", "help " + std::to_string(i), "j")
                        .conversation_id());
    visitors.push_back(std::move(v));
  }
  for (std::size_t i = 0; i < convs.size(); ++i) {
    if (i == 10) pg_->kill(SIGKILL);
    pb::ClientEnvelope close;
    close.mutable_close()->set_conversation_id(convs[i]);
    EXPECT_TRUE(visitors[i]->request(close).has_ack());
  }
  env->run_for(500ms);
  pg_->restart();
  for (const auto& conv : convs) ASSERT_TRUE(archived(*env, conv)) << conv;
  EXPECT_EQ(pg_query(pg_->url(), "SELECT count(*), count(DISTINCT id) FROM conversations")[0],
            (std::vector<std::string>{"20", "20"}));
  for (const auto& conv : convs) {
    EXPECT_EQ(pg("SELECT count(*) FROM events WHERE conversation_id = $1", conv),
              redis().command({"XLEN", "lc:conv:" + conv + ":s"}))
        << conv;
  }
}

TEST_F(Archiver, AChatAbandonedBeforeAnAnswerIsArchivedAsMissed) {
  auto env = std::make_unique<service_env>(
      redis(), "n1",
      [](service::service_options& o) {
        tune(o);
        o.visitor_grace = 200ms;
      },
      pool_.get());
  auto v = env->connect();
  v->hello_visitor();
  auto conv = v->join("Vic").conversation_id();
  v->link().reset();
  ASSERT_TRUE(archived(*env, conv));
  EXPECT_EQ(pg("SELECT missed FROM conversations WHERE id = $1", conv), "t");
  EXPECT_EQ(pg("SELECT count(*) FROM measurements WHERE conversation_id = $1 AND measure = "
               "'missed'",
               conv),
            "1");
}

// A returning visitor's earlier chats reach the agent's context panel from the record once Redis
// has let them go.
TEST_F(Archiver, PreviousConversationsComeFromTheRecordOnceRedisLetThemGo) {
  auto env = std::make_unique<service_env>(
      redis(), "n1",
      [](service::service_options& o) {
        tune(o);
        o.keep_closed = 0ms;
      },
      pool_.get());
  std::unique_ptr<fake_client> visitor;
  const auto first = chat(*env, visitor, "where is my parcel");
  ASSERT_TRUE(archived(*env, first));
  ASSERT_EQ(redis().command({"EXISTS", "lc:conv:" + first}), "0");
  auto agent = env->connect();
  agent->hello_agent("alice", {"billing"}, 4);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  auto again = env->connect();
  again->hello_visitor(last_token_);
  const auto second = again->join("Vic", "billing", "me again", "j2").conversation_id();
  auto assigned = agent->wait_assigned(second);
  ASSERT_TRUE(assigned);
  ASSERT_EQ(assigned->visitor().previous_conversations_size(), 1);
  const auto& p = assigned->visitor().previous_conversations(0);
  EXPECT_EQ(p.conversation_id(), first);
  EXPECT_EQ(p.first_message(), "where is my parcel");
  EXPECT_EQ(p.agent_id(), "alice");
}

// Upgrading a Redis that a version before the system of record filled: its closed
// conversations are archived by the backfill and then let go.
TEST_F(Archiver, ConversationsKeptFromBeforeTheRecordAreArchived) {
  std::string conv;
  {
    auto old = node("n1", nullptr);  // without a system of record, as before
    conv = chat(*old);
    old->run_for(200ms);
  }
  redis().command({"ZREM", "lc:archive:pending", conv});  // the old version had no backlog
  redis().command({"SADD", "lc:records:pending", conv});
  auto env = node("n2", pool_.get());
  ASSERT_TRUE(archived(*env, conv));
  EXPECT_EQ(redis().command({"EXISTS", "lc:records:pending"}), "0");
  EXPECT_GT(std::stoll(redis().command({"PTTL", "lc:conv:" + conv})), 0);
}

// Retention, run by the node's periodic work: past the period, archived conversations lose
// what identifies the visitor (or go entirely), their timings stay; the run is audited.
TEST_F(Archiver, RetentionAnonymisesOrDeletesWhatIsPastThePeriod) {
  for (const bool anonymise : {true, false}) {
    SCOPED_TRACE(anonymise ? "anonymise" : "delete");
    pg_query(pg_->url(), "TRUNCATE conversations CASCADE; TRUNCATE audit");
    std::string conv;
    {
      auto env = node("n1", pool_.get());  // no retention: it is archived and stays
      conv = chat(*env);
      ASSERT_TRUE(archived(*env, conv));
    }
    auto env = std::make_unique<service_env>(
        redis(), "n2",
        [anonymise](service::service_options& o) {
          tune(o);
          o.retention = 1ms;
          o.retention_anonymise = anonymise;
          o.retention_every = 100ms;
        },
        pool_.get());
    if (anonymise) {
      EXPECT_TRUE(env->run_until(
          [&] {
            return pg("SELECT count(*) FROM conversations WHERE anonymised_ms IS NOT NULL") == "1";
          },
          10s));
      EXPECT_EQ(
          pg("SELECT visitor_name || email || visitor_id FROM conversations WHERE id = $1", conv),
          "");
      EXPECT_EQ(pg("SELECT count(*) FROM events WHERE conversation_id = $1 AND body <> ''", conv),
                "0");
      EXPECT_NE(pg("SELECT count(*) FROM measurements WHERE conversation_id = $1", conv), "0");
    } else {
      EXPECT_TRUE(env->run_until(
          [&] { return pg("SELECT count(*) FROM conversations WHERE id = $1", conv) == "0"; },
          10s));
      EXPECT_EQ(pg("SELECT count(*) FROM measurements WHERE conversation_id = $1", conv), "0");
    }
    EXPECT_EQ(pg("SELECT action FROM audit WHERE actor = $1", "node:n2"),
              anonymise ? "retention_anonymise" : "retention_delete");
  }
}

// A node that closes a conversation and dies before archiving it leaves it to the others.
TEST_F(Archiver, ANodeThatDiesBeforeArchivingLeavesTheWorkToAnother) {
  std::string conv;
  {
    auto dead_pool = std::make_unique<record::record_pool>(record::record_pool_options{
        "host=/nonexistent-dir user=livechat dbname=livechat", 500ms, 1, 10});
    dead_pool->start();
    auto doomed = node("n1", dead_pool.get());
    conv = chat(*doomed);
    doomed->run_for(200ms);
  }  // n1 is gone, its archive never written
  EXPECT_NE(redis().command({"ZSCORE", "lc:archive:pending", conv}), "(nil)");
  auto survivor = node("n2", pool_.get());
  ASSERT_TRUE(archived(*survivor, conv));
}

}  // namespace
}  // namespace lc::test
