// The read side of the store and the signal, overview, team and lease functions, against a real
// redis-server.
#include "server/store/chat_reads.hpp"

#include <gtest/gtest.h>

#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

namespace pb = livechat::v1;
using store::store_error;

class ChatReads : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<store_env>(redis());
  }
  store::chat_store& db() { return env_->store(); }
  store::chat_reads& reads() { return env_->reads(); }

  // A conversation assigned to alice: seq 1 JOINED, 2 the visitor's hello, 3 ASSIGNED.
  std::string assigned_chat(const std::string& visitor = "v1") {
    store::join_params p;
    p.conversation_id = "c-" + visitor;
    p.visitor_id = visitor;
    p.name = "Visitor";
    p.department = "billing";
    p.first_message = "hello";
    p.client_msg_id = "j1";
    env_->run(db().join(p));
    env_->run(db().agent_connect({"alice", "Alice", 3, {"billing"}}));
    env_->run(db().presence({"alice", pb::PRESENCE_STATUS_ONLINE, 0}));
    env_->run(db().match("billing", 10));
    return p.conversation_id;
  }
  std::uint64_t post(const std::string& conv, pb::Role role, const std::string& who,
                     const std::string& cmid) {
    store::post_params p;
    p.conversation_id = conv;
    p.role = role;
    p.sender_id = who;
    p.sender_name = who;
    p.client_msg_id = cmid;
    p.text = "text " + cmid;
    return env_->run(db().post(p)).seq;
  }
  std::optional<std::int64_t> receipt(const std::string& conv, pb::Role role,
                                      const std::string& who, pb::ReceiptKind kind,
                                      std::uint64_t seq) {
    return env_->run(db().receipt({conv, role, who, kind, seq}));
  }
  pb::ErrorCode receipt_error(const std::string& conv, pb::Role role, const std::string& who,
                              std::uint64_t seq) {
    try {
      receipt(conv, role, who, pb::RECEIPT_KIND_DELIVERED, seq);
    } catch (const store_error& e) {
      return e.code();
    }
    return pb::ERROR_CODE_UNSPECIFIED;
  }

  std::unique_ptr<store_env> env_;
};

// Streams written before messages were packed (every field spelled out, seq among them) read
// back as the same events as new ones: the data of a Redis that outlives an upgrade.
TEST_F(ChatReads, EntriesInTheEarlierSpelledOutFormReadLikeNewOnes) {
  auto conv = assigned_chat();
  auto seq = post(conv, pb::ROLE_AGENT, "alice", "n1");
  const auto key = "lc:conv:" + conv + ":s";
  redis().command({"XADD", key, "0-" + std::to_string(seq + 1), "seq", std::to_string(seq + 1),
                   "ts", "1700000000000", "k", "1", "r", "2", "id", "alice", "n", "alice", "t",
                   "text n2", "c", "n2"});
  auto events = env_->run(reads().events(conv, seq - 1));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].seq(), seq);
  EXPECT_EQ(events[1].seq(), seq + 1);
  EXPECT_EQ(events[1].at_ms(), 1700000000000);
  for (auto& e : events) e.clear_at_ms();
  events[1].set_seq(seq);
  events[1].set_text("text n1");
  events[1].set_client_msg_id("n1");
  EXPECT_EQ(events[0].SerializeAsString(), events[1].SerializeAsString())
      << events[0].DebugString() << events[1].DebugString();
}

TEST_F(ChatReads, ConversationRecordIsTyped) {
  auto conv = assigned_chat();
  auto rec = env_->run(reads().conversation(conv));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->id, conv);
  EXPECT_EQ(rec->visitor_id, "v1");
  EXPECT_EQ(rec->state, pb::CONVERSATION_STATE_ASSIGNED);
  EXPECT_EQ(rec->agent_id, "alice");
  EXPECT_EQ(rec->agent_name, "Alice");
  EXPECT_EQ(rec->epoch, 1u);
  EXPECT_EQ(rec->seq, 3u);
  EXPECT_EQ(rec->department, "billing");
  EXPECT_EQ(rec->first_message, "hello");
  EXPECT_GT(rec->joined_ms, 0);
  EXPECT_GE(rec->assigned_ms, rec->joined_ms);
  env_->run(db().close({conv, pb::ROLE_VISITOR, "v1"}));
  rec = env_->run(reads().conversation(conv));
  EXPECT_EQ(rec->state, pb::CONVERSATION_STATE_CLOSED);
  EXPECT_EQ(rec->agent_id, "alice") << "a closed chat remembers who had it";
  EXPECT_FALSE(env_->run(reads().conversation("c-none")));
}

TEST_F(ChatReads, EventsArePagedAfterASeq) {
  auto conv = assigned_chat();
  for (int i = 0; i < 5; ++i) post(conv, pb::ROLE_VISITOR, "v1", "m" + std::to_string(i));
  auto page = env_->run(reads().events(conv, 2, 3));
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].seq(), 3u);
  EXPECT_EQ(page[2].seq(), 5u);
  EXPECT_EQ(env_->run(reads().events(conv, 5, 0)).size(), 3u);
  EXPECT_TRUE(env_->run(reads().events(conv, 8, 10)).empty());
}

TEST_F(ChatReads, DeliveredReceiptReportsLatencyOnceEvenWhenItIsZero) {
  auto conv = assigned_chat();
  const auto a = post(conv, pb::ROLE_AGENT, "alice", "a1");
  const auto b = post(conv, pb::ROLE_AGENT, "alice", "a2");
  // Receipts right after the messages: latencies of 0 ms must still be observations.
  auto first = receipt(conv, pb::ROLE_VISITOR, "v1", pb::RECEIPT_KIND_DELIVERED, a);
  auto second = receipt(conv, pb::ROLE_VISITOR, "v1", pb::RECEIPT_KIND_DELIVERED, b);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_GE(*first, 0);
  EXPECT_GE(*second, 0);
  EXPECT_FALSE(receipt(conv, pb::ROLE_VISITOR, "v1", pb::RECEIPT_KIND_DELIVERED, a))
      << "a mark that does not move is not an observation";
  EXPECT_FALSE(receipt(conv, pb::ROLE_VISITOR, "v1", pb::RECEIPT_KIND_READ, b))
      << "read receipts carry no latency";
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + conv, "dl1"}), std::to_string(b));
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + conv, "rd1"}), std::to_string(b));
}

TEST_F(ChatReads, ReceiptsAreRefusedForStrangersAndBeyondTheStream) {
  auto conv = assigned_chat();
  EXPECT_EQ(receipt_error(conv, pb::ROLE_VISITOR, "v2", 1), pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(receipt_error(conv, pb::ROLE_AGENT, "bob", 1), pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(receipt_error(conv, pb::ROLE_VISITOR, "v1", 99), pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + conv, "dl1"}), "0");
}

TEST_F(ChatReads, TypingIsAllowedWhileQueuedOnlyForTheVisitorAndNeverAfterClose) {
  store::join_params p;
  p.conversation_id = "cq";
  p.visitor_id = "v9";
  p.name = "V";
  p.department = "billing";
  env_->run(db().join(p));
  EXPECT_NO_THROW(env_->run(db().typing({"cq", pb::ROLE_VISITOR, "v9", "V", true, {}})));
  EXPECT_THROW(env_->run(db().typing({"cq", pb::ROLE_AGENT, "alice", "A", true, {}})), store_error);
  env_->run(db().close({"cq", pb::ROLE_VISITOR, "v9"}));
  try {
    env_->run(db().typing({"cq", pb::ROLE_VISITOR, "v9", "V", true, {}}));
    FAIL() << "typing accepted after close";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), pb::ERROR_CODE_CONFLICT);
  }
}

TEST_F(ChatReads, OverviewCountsQueuesAndAgentsPerDepartment) {
  store::join_params p;
  p.conversation_id = "c1";
  p.visitor_id = "v1";
  p.name = "V";
  p.department = "billing";
  env_->run(db().join(p));
  env_->run(db().agent_connect({"bob", "Bob", 2, {"billing", "tech"}}));
  env_->run(db().presence({"bob", pb::PRESENCE_STATUS_AWAY, 0}));
  auto o = env_->run(reads().overview({"billing", "tech"}));
  EXPECT_GT(o.now_ms, 0);
  ASSERT_EQ(o.departments.size(), 2u) << "only the departments asked about";
  std::map<std::string, store::department_overview> by;
  for (const auto& d : o.departments) by[d.department] = d;
  ASSERT_TRUE(by.contains("billing"));
  ASSERT_TRUE(by.contains("tech"));
  EXPECT_EQ(by["billing"].queue_length, 1u);
  EXPECT_GT(by["billing"].oldest_enqueue_ms, 0);
  EXPECT_EQ(by["billing"].agents_online, 0u) << "away is not online";
  EXPECT_EQ(by["tech"].queue_length, 0u);
  EXPECT_EQ(by["tech"].oldest_enqueue_ms, 0);
  env_->run(db().presence({"bob", pb::PRESENCE_STATUS_ONLINE, 0}));
  o = env_->run(reads().overview({"billing", "tech"}));
  for (const auto& d : o.departments) {
    EXPECT_EQ(d.agents_online, 1u) << d.department;
    EXPECT_EQ(d.free_agents, 1u) << d.department;
  }
}

TEST_F(ChatReads, AgentsListsTheTeamWithLoadAndConnection) {
  auto conv = assigned_chat();
  env_->run(db().agent_connect({"bob", "Bob", 2, {"tech"}}));
  auto team = env_->run(reads().agents());
  ASSERT_EQ(team.size(), 2u);
  EXPECT_EQ(team[0].id, "alice");
  EXPECT_EQ(team[0].status, pb::PRESENCE_STATUS_ONLINE);
  EXPECT_EQ(team[0].active, 1u);
  EXPECT_EQ(team[0].capacity, 3u);
  EXPECT_EQ(team[0].departments, std::vector<std::string>{"billing"});
  EXPECT_TRUE(team[0].connected);
  EXPECT_EQ(team[1].id, "bob");
  EXPECT_EQ(team[1].status, pb::PRESENCE_STATUS_OFFLINE);
  env_->run(db().agent_disconnect("alice", std::chrono::minutes(1)));
  team = env_->run(reads().agents());
  EXPECT_FALSE(team[0].connected) << "in grace";
  EXPECT_TRUE(env_->run(reads().agent_grace_deadline("alice")).has_value());
  EXPECT_FALSE(env_->run(reads().agent_grace_deadline("bob")).has_value());
  (void)conv;
}

TEST_F(ChatReads, ReleaseGivesUpOnlyTheCurrentLease) {
  const auto epoch = env_->run(db().lease("n5", std::chrono::minutes(1), 0));
  ASSERT_GT(epoch, 0);
  env_->run(db().release("n5", epoch + 1));  // someone else's epoch: no effect
  EXPECT_EQ(redis().command({"GET", "lc:node:n5"}), std::to_string(epoch));
  env_->run(db().release("n5", epoch));
  EXPECT_EQ(redis().command({"EXISTS", "lc:node:n5"}), "0");
  EXPECT_EQ(env_->run(db().lease("n5", std::chrono::minutes(1), epoch)), 0) << "released";
}

TEST_F(ChatReads, TheLibrarysEnumNumbersAreTheProtocols) {
  auto enums = env_->run(reads().library_enums());
  int kinds = 0;
  for (const auto& [name, number] : enums) {
    if (name.rfind("EVENT_KIND_", 0) == 0) {
      pb::EventKind k;
      ASSERT_TRUE(pb::EventKind_Parse(name, &k)) << name;
      EXPECT_EQ(number, static_cast<int>(k)) << name;
      ++kinds;
    } else {
      pb::Role r;
      ASSERT_TRUE(pb::Role_Parse(name, &r)) << name;
      EXPECT_EQ(number, static_cast<int>(r)) << name;
    }
  }
  // Every kind the protocol knows (but UNSPECIFIED) is one the library may write.
  EXPECT_EQ(kinds, pb::EventKind_descriptor()->value_count() - 1);
}

}  // namespace
}  // namespace lc::test
