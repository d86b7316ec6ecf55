#include "server/store/chat_store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <thread>

#include "server/store/keys.hpp"
#include "server/store/redis_subscriber.hpp"
#include "server/store/wakeup.hpp"
#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

namespace pb = livechat::v1;
using store::store_error;

class ChatStore : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<store_env>(redis());
  }
  store::chat_store& db() { return env_->store(); }
  store::chat_reads& reads() { return env_->reads(); }

  std::string join(const std::string& visitor, const std::string& dept = "billing",
                   const std::string& text = "hello") {
    store::join_params p;
    p.conversation_id = "c-" + visitor + "-" + std::to_string(++joins_);
    p.visitor_id = visitor;
    p.name = "Visitor " + visitor;
    p.department = dept;
    p.first_message = text;
    p.client_msg_id = text.empty() ? "" : "m-" + p.conversation_id;
    return env_->run(db().join(p)).conversation_id;
  }
  static void agent_online(store_env& env, const std::string& agent, std::uint32_t cap,
                           const std::string& depts = "billing") {
    env.run(env.store().agent_connect({agent, "Agent " + agent, cap, {depts}}));
    env.run(env.store().presence({agent, pb::PRESENCE_STATUS_ONLINE, 0}));
  }
  void agent_online(const std::string& agent, std::uint32_t cap,
                    const std::string& depts = "billing") {
    agent_online(*env_, agent, cap, depts);
  }
  store::post_result post(const std::string& conv, pb::Role role, const std::string& sender,
                          const std::string& cmid, const std::string& text,
                          std::uint64_t epoch = 0) {
    return env_->run(db().post(post_params(conv, role, sender, cmid, text, epoch)));
  }
  static store::post_params post_params(const std::string& conv, pb::Role role,
                                        const std::string& sender, const std::string& cmid,
                                        const std::string& text, std::uint64_t epoch = 0) {
    store::post_params p;
    p.conversation_id = conv;
    p.role = role;
    p.sender_id = sender;
    p.sender_name = sender;
    p.client_msg_id = cmid;
    p.text = text;
    p.assignment_epoch = epoch;
    return p;
  }
  void close(const std::string& conv, pb::Role role, const std::string& by) {
    env_->run(db().close({conv, role, by}));
  }
  std::vector<pb::ChatEvent> events(const std::string& conv, std::uint64_t after = 0) {
    return env_->run(reads().events(conv, after));
  }
  std::vector<store::match_result> match(const std::string& dept = "billing") {
    return env_->run(db().match(dept, 100));
  }
  template <class T>
  pb::ErrorCode error_of(boost::asio::awaitable<T> t) {
    try {
      env_->run(std::move(t));
    } catch (const store_error& e) {
      return e.code();
    }
    return pb::ERROR_CODE_UNSPECIFIED;
  }

  std::unique_ptr<store_env> env_;
  int joins_ = 0;
};

TEST_F(ChatStore, JoinQueuesConversationWithJoinedEventAndFirstMessage) {
  auto conv = join("v1");
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "1");
  auto all = events(conv, 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].seq(), 1u);
  EXPECT_EQ(all[0].kind(), pb::EVENT_KIND_JOINED);
  EXPECT_EQ(all[1].seq(), 2u);
  EXPECT_EQ(all[1].kind(), pb::EVENT_KIND_MESSAGE);
  EXPECT_EQ(all[1].text(), "hello");
  EXPECT_GT(all[1].at_ms(), 0);
}

// The join of visitor v1 to billing as conversation c1, first message "hi" with id m1.
store::join_params first_join() {
  store::join_params p;
  p.conversation_id = "c1";
  p.visitor_id = "v1";
  p.name = "V";
  p.department = "billing";
  p.first_message = "hi";
  p.client_msg_id = "m1";
  return p;
}

TEST_F(ChatStore, SecondJoinWhileOpenIsConflictButSameMessageIdIsIdempotent) {
  auto p = first_join();
  auto first = env_->run(db().join(p));
  EXPECT_FALSE(first.existing);
  p.conversation_id = "c2";
  auto retry = env_->run(db().join(p));
  EXPECT_TRUE(retry.existing);
  EXPECT_EQ(retry.conversation_id, "c1");
  p.client_msg_id = "m2";
  try {
    env_->run(db().join(p));
    FAIL() << "second join accepted";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), pb::ERROR_CODE_CONFLICT);
  }
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "1");
  EXPECT_EQ(redis().command({"EXISTS", "lc:conv:c2"}), "0");
}

TEST_F(ChatStore, RetriedJoinReturnsTheFirstMessagesSeqEvenAfterTheChatMovedOn) {
  auto p = first_join();
  auto first = env_->run(db().join(p));
  EXPECT_EQ(first.seq, 2u);
  agent_online("alice", 1);
  ASSERT_EQ(match().size(), 1u);                     // seq 3
  post("c1", pb::ROLE_VISITOR, "v1", "m2", "more");  // seq 4
  p.conversation_id = "c-retry";
  auto retry = env_->run(db().join(p));
  EXPECT_TRUE(retry.existing);
  EXPECT_EQ(retry.conversation_id, "c1");
  EXPECT_EQ(retry.seq, first.seq) << "the Ack of a retried join is the original Ack";
  EXPECT_EQ(retry.joined_ms, first.joined_ms);
}

TEST_F(ChatStore, PostAssignsConsecutiveSeqsAndDeduplicatesClientIds) {
  auto conv = join("v1");
  agent_online("alice", 2);
  ASSERT_EQ(match().size(), 1u);  // seq 3: ASSIGNED
  auto a = post(conv, pb::ROLE_VISITOR, "v1", "x1", "one");
  EXPECT_EQ(a.seq, 4u);
  EXPECT_FALSE(a.duplicate);
  auto again = post(conv, pb::ROLE_VISITOR, "v1", "x1", "one");
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, 4u);
  EXPECT_EQ(again.at_ms, a.at_ms);
  auto b = post(conv, pb::ROLE_AGENT, "alice", "y1", "two");
  EXPECT_EQ(b.seq, 5u);
  EXPECT_EQ(redis().command({"XLEN", "lc:conv:" + conv + ":s"}), "5");
  auto after = events(conv, 3);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].text(), "one");
  EXPECT_EQ(after[1].text(), "two");
  EXPECT_EQ(after[1].sender_role(), pb::ROLE_AGENT);
}

TEST_F(ChatStore, AMessagesFileIsStoredWithItAndReadBack) {
  auto conv = join("v1");
  agent_online("alice", 2);
  match();
  pb::Attachment a;
  a.set_id("f" + std::string(24, 'a'));
  a.set_name("scan \"1\".pdf");
  a.set_type("application/pdf");
  a.set_size(123456);
  a.set_preview(std::string("\0\x01|:", 4));  // bytes the netstrings and the wake-up carry
  auto p = post_params(conv, pb::ROLE_VISITOR, "v1", "f1", "");
  p.attachment = a.SerializeAsString();
  const auto r = env_->run(db().post(p));
  const auto back = events(conv, r.seq - 1);
  ASSERT_EQ(back.size(), 1u);
  ASSERT_TRUE(back[0].has_attachment());
  EXPECT_EQ(back[0].attachment().SerializeAsString(), a.SerializeAsString());
  EXPECT_TRUE(back[0].text().empty());
  EXPECT_FALSE(events(conv, 0).front().has_attachment());
}

TEST_F(ChatStore, ClientMessageIdsBelongToTheirSender) {
  auto conv = join("v1");
  agent_online("alice", 2);
  match();
  auto v = post(conv, pb::ROLE_VISITOR, "v1", "m1", "from the visitor");
  auto a = post(conv, pb::ROLE_AGENT, "alice", "m1", "from the agent");
  EXPECT_FALSE(a.duplicate) << "the agent's m1 is not the visitor's m1";
  EXPECT_NE(a.seq, v.seq);
  auto again = post(conv, pb::ROLE_AGENT, "alice", "m1", "from the agent");
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, a.seq);
}

// The claim on a client id is given back when the post is refused: sending it again later is a
// new message, not a "duplicate" of one that was never stored.
TEST_F(ChatStore, ARefusedPostLeavesItsClientIdFree) {
  auto conv = join("v1");  // the first message counts: one before an answer
  auto limited = post_params(conv, pb::ROLE_VISITOR, "v1", "x2", "second");
  limited.max_before_answer = 1;
  EXPECT_EQ(error_of(db().post(limited)), pb::ERROR_CODE_RATE_LIMITED);
  agent_online("alice", 2);
  ASSERT_EQ(match().size(), 1u);
  post(conv, pb::ROLE_AGENT, "alice", "a1", "an answer");
  auto r = env_->run(db().post(limited));
  EXPECT_FALSE(r.duplicate);
  auto last = events(conv, r.seq - 1);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].text(), "second");
}

// A node delivers another node's message from its wake-up without reading the stream: the two
// must be the same event, field for field. The posting node delivers its own from the reply, so
// only the other participant's node is woken.
TEST_F(ChatStore, APostWakesTheOtherNodeWithTheEventTheStreamHolds) {
  auto conv = join("v1");  // the visitor is on n1
  store_env other(redis(), "n2");
  agent_online(other, "alice", 2);
  ASSERT_EQ(match().size(), 1u);
  std::vector<std::pair<std::string, std::string>> heard;  // channel, payload
  bool subscribed = false;
  store::redis_subscriber sub(
      env_->io(), store_env::endpoint_of(redis()),
      {store::keys::node_channel("n1"), store::keys::node_channel("n2")},
      [&](const std::string& channel, std::string payload) {
        heard.emplace_back(channel, std::move(payload));
      },
      [&] { subscribed = true; });
  sub.start();
  auto until = [&](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      env_->io().run_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  ASSERT_TRUE(until([&] { return subscribed; }));
  const std::string text = "a | line: with 12:colons\nand a \xe2\x82\xac sign";
  auto v = post(conv, pb::ROLE_VISITOR, "v1", "m:7", text);
  auto a = other.run(other.store().post(post_params(conv, pb::ROLE_AGENT, "alice", "m:7", "")));
  // One subscriber connection hears publishes in order: once the second is here, anything
  // published to the posting nodes themselves would have been heard before it.
  ASSERT_TRUE(until([&] { return heard.size() >= 2; }));
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].first, store::keys::node_channel("n2")) << "the visitor's message";
  EXPECT_EQ(heard[1].first, store::keys::node_channel("n1")) << "the agent's answer";
  auto stored = events(conv, v.seq - 1);
  ASSERT_EQ(stored.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    auto w = store::decode_wakeup(heard[i].second);
    ASSERT_TRUE(w) << heard[i].second;
    auto* e = std::get_if<store::event_wakeup>(&*w);
    ASSERT_NE(e, nullptr) << heard[i].second;
    EXPECT_EQ(e->event.SerializeAsString(), stored[i].SerializeAsString())
        << e->event.DebugString() << " vs " << stored[i].DebugString();
  }
  EXPECT_EQ(stored[0].text(), text);
  EXPECT_EQ(stored[1].seq(), a.seq);
  sub.stop();
}

// The conversation remembers its agent's node for the per-message path: when the agent comes
// back through another node, the visitor's next message wakes that node, not the old one.
TEST_F(ChatStore, AnAgentWhoMovesNodesIsWokenOnTheNewOne) {
  auto conv = join("v1");
  agent_online("alice", 2);
  ASSERT_EQ(match().size(), 1u);
  store_env other(redis(), "n2");
  std::vector<std::string> on_n2;
  bool subscribed = false;
  store::redis_subscriber sub(
      other.io(), store_env::endpoint_of(redis()), {store::keys::node_channel("n2")},
      [&](const std::string&, std::string payload) { on_n2.push_back(std::move(payload)); },
      [&] { subscribed = true; });
  sub.start();
  auto until = [&](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      other.io().run_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  ASSERT_TRUE(until([&] { return subscribed; }));
  other.run(other.store().agent_connect({"alice", "Agent alice", 2, {"billing"}}));
  auto v = post(conv, pb::ROLE_VISITOR, "v1", "after-move", "are you there?");
  ASSERT_TRUE(until([&] {
    for (const auto& p : on_n2) {
      if (p.find("are you there?") != std::string::npos) return true;
    }
    return false;
  })) << "the message's wake-up never reached the agent's new node";
  EXPECT_GT(v.seq, 0u);
  sub.stop();
}

// A node of an earlier version calls lc_post with its arguments in other places (name and text
// apart, no packed body): refused as invalid, nothing written.
TEST_F(ChatStore, APostInTheEarlierArgumentFormIsRefusedAndWritesNothing) {
  auto conv = join("v1");
  const auto epoch = redis().command({"GET", "lc:node:n1"});
  const auto before = redis().command({"XLEN", "lc:conv:" + conv + ":s"});
  auto r = redis().command({"FCALL", "lc_post", "0", "n1", epoch, conv, "1", "v1", "Visitor v1",
                            "m9", "hello from an old node", "", "0"});
  EXPECT_EQ(r.rfind("(error) INVALID", 0), 0u) << r;
  EXPECT_EQ(redis().command({"XLEN", "lc:conv:" + conv + ":s"}), before);
  EXPECT_EQ(redis().command({"HLEN", "lc:conv:" + conv + ":c"}), "1");  // the join's message
}

TEST_F(ChatStore, PostByStrangersIsRefusedAndChangesNothing) {
  auto conv = join("v1");
  agent_online("alice", 2);
  agent_online("bob", 2, "tech");
  match();
  const auto before = redis().command({"XLEN", "lc:conv:" + conv + ":s"});
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_VISITOR, "v2", "z", "hi"))),
            pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_AGENT, "bob", "z", "hi"))),
            pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(error_of(db().post(post_params("nope", pb::ROLE_VISITOR, "v1", "z", "hi"))),
            pb::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(redis().command({"XLEN", "lc:conv:" + conv + ":s"}), before);
  close(conv, pb::ROLE_VISITOR, "v1");
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_VISITOR, "v1", "z", "hi"))),
            pb::ERROR_CODE_CONFLICT);
}

TEST_F(ChatStore, AgentMayNotWriteToQueuedConversation) {
  auto conv = join("v1");
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_AGENT, "alice", "z", "hi"))),
            pb::ERROR_CODE_NOT_FOUND);
}

// The per-address bound on waiting chats costs a join nothing below it: a loose bound with many
// chats waiting from one address (a storm behind one NAT) must not make every join walk them.
TEST_F(ChatStore, AJoinBelowTheAddressBoundDoesNotWalkTheAddressesChats) {
  store::join_params p;
  p.department = "billing";
  p.address = "7f000001";
  p.max_queued = 100000;
  for (int i = 0; i < 60; ++i) {
    p.conversation_id = "c-many-" + std::to_string(i);
    p.visitor_id = "v-many-" + std::to_string(i);
    env_->run(db().join(p));
  }
  redis().command({"CONFIG", "RESETSTAT"});
  p.conversation_id = "c-many-last";
  p.visitor_id = "v-many-last";
  env_->run(db().join(p));
  const auto stats = redis().command({"INFO", "commandstats"});
  const auto at = stats.find("cmdstat_hget:calls=");
  const auto hgets = at == std::string::npos ? 0 : std::stoi(stats.substr(at + 19));
  EXPECT_LT(hgets, 10) << "one join read " << hgets << " hash fields";
  EXPECT_EQ(
      redis().command({"SCARD", store::keys::address_queued(store::keys::hex_part(p.address))}),
      "61");
}

TEST_F(ChatStore, MatchPicksLeastLoadedThenLongestIdleAgent) {
  agent_online("alice", 3);
  agent_online("bob", 3);
  auto c1 = join("v1");
  auto m1 = match();
  ASSERT_EQ(m1.size(), 1u);
  const auto first = m1[0].agent_id;
  join("v2");
  auto m2 = match();
  ASSERT_EQ(m2.size(), 1u);
  EXPECT_NE(m2[0].agent_id, first) << "the idle agent must get the second chat";
  join("v3");
  auto m3 = match();
  ASSERT_EQ(m3.size(), 1u);
  EXPECT_EQ(m3[0].agent_id, first) << "equal load: the one idle longest";
  EXPECT_GE(m1[0].wait_ms, 0);
  (void)c1;
}

TEST_F(ChatStore, MatchServesFrontPriorityThenOldest) {
  agent_online("alice", 1);
  env_->run(db().presence({"alice", pb::PRESENCE_STATUS_AWAY, 0}));
  auto c1 = join("v1");
  auto c2 = join("v2");
  env_->run(db().presence({"alice", pb::PRESENCE_STATUS_ONLINE, 0}));
  auto m = match();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].conversation_id, c1);
  (void)c2;
}

TEST_F(ChatStore, ConcurrentMatchingFromTwoConnectionsNeverOverAssigns) {
  // Two connections stand for two server nodes calling the function at the same time.
  store_env other(redis(), "n2");
  for (int a = 0; a < 3; ++a) agent_online("agent" + std::to_string(a), 2);
  std::vector<std::string> convs;
  for (int v = 0; v < 20; ++v) convs.push_back(join("v" + std::to_string(v)));
  std::vector<std::future<std::vector<store::match_result>>> pending;
  for (int i = 0; i < 10; ++i) {
    pending.push_back(boost::asio::co_spawn(env_->io(), env_->store().match("billing", 3),
                                            boost::asio::use_future));
    pending.push_back(boost::asio::co_spawn(other.io(), other.store().match("billing", 3),
                                            boost::asio::use_future));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (auto& f : pending) {
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
      env_->io().run_for(std::chrono::milliseconds(1));
      other.io().run_for(std::chrono::milliseconds(1));
    }
  }
  std::map<std::string, int> per_agent;
  std::set<std::string> assigned;
  for (auto& f : pending) {
    for (const auto& m : f.get()) {
      EXPECT_TRUE(assigned.insert(m.conversation_id).second) << m.conversation_id << " twice";
      ++per_agent[m.agent_id];
    }
  }
  EXPECT_EQ(assigned.size(), 6u);
  for (const auto& [agent, n] : per_agent) {
    EXPECT_LE(n, 2) << agent;
    EXPECT_EQ(redis().command({"HGET", "lc:agent:" + agent, "active"}), std::to_string(n));
  }
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "14");
  for (const auto& c : convs) {
    auto all = events(c, 0);
    int assignments = 0;
    for (const auto& e : all) assignments += e.kind() == pb::EVENT_KIND_ASSIGNED;
    EXPECT_LE(assignments, 1) << c;
  }
}

TEST_F(ChatStore, AgentWhoseNodeLeaseExpiredIsNotMatched) {
  store_env dead(redis(), "dead-node");
  agent_online(dead, "alice", 2);
  redis().command({"DEL", "lc:node:dead-node"});  // its lease expired
  join("v1");
  EXPECT_TRUE(match().empty());
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "1");
}

TEST_F(ChatStore, ReturningVisitorGoesToPreviousAgentWhenFree) {
  agent_online("alice", 5);
  agent_online("bob", 5);
  auto c1 = join("v1");
  auto m1 = match();
  ASSERT_EQ(m1.size(), 1u);
  const auto previous = m1[0].agent_id;
  // Load the previous agent so plain least-loaded matching would pick the other one.
  join("v2");
  join("v3");
  match();
  close(c1, pb::ROLE_VISITOR, "v1");
  auto c4 = join("v1");
  auto m4 = match();
  ASSERT_EQ(m4.size(), 1u);
  EXPECT_EQ(m4[0].conversation_id, c4);
  EXPECT_EQ(m4[0].agent_id, previous);
}

TEST_F(ChatStore, AgentLostPastGraceHasChatsRequeuedAtTheFront) {
  agent_online("alice", 1);
  auto c1 = join("v1");
  match();
  join("v2");  // waiting behind
  auto told = env_->run(db().agent_disconnect("alice", std::chrono::milliseconds(0)));
  ASSERT_EQ(told.size(), 1u);
  auto swept = env_->run(db().sweep({100, {}, {}}));
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].what, store::sweep_item::outcome::requeued);
  EXPECT_EQ(swept[0].conversation_id, c1);
  EXPECT_EQ(redis().command({"ZRANK", "lc:q:billing", c1}), "0");
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "state"}), "queued");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:alice", "active"}), "0");
  auto all = events(c1, 0);
  EXPECT_EQ(all.back().kind(), pb::EVENT_KIND_REQUEUED);
}

TEST_F(ChatStore, AnUnansweredChatIsReassignedAndItsAgentSetAwayAnAnsweredOneStays) {
  using std::chrono::milliseconds;
  agent_online("alice", 3);
  auto c0 = join("v0");
  ASSERT_EQ(env_->run(db().match("billing", 100)).size(), 1u) << "matched with no deadline";
  auto c1 = join("v1");
  ASSERT_EQ(env_->run(db().match("billing", 100, milliseconds(10))).size(), 1u);
  auto c2 = join("v2");
  ASSERT_EQ(env_->run(db().match("billing", 100, milliseconds(10))).size(), 1u);
  // alice answers c2 but not c1 (nor c0, which has no deadline).
  post(c2, pb::ROLE_AGENT, "alice", "a1", "hello");
  std::this_thread::sleep_for(milliseconds(20));
  auto swept = env_->run(db().sweep({100, {}, {}, true}));
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].what, store::sweep_item::outcome::reassigned);
  EXPECT_EQ(swept[0].conversation_id, c1);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "state"}), "queued");
  EXPECT_EQ(redis().command({"ZRANK", "lc:q:billing", c1}), "0") << "at the front";
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c2, "state"}), "assigned");
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c0, "state"}), "assigned");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:alice", "status"}), "away");
  EXPECT_EQ(events(c1, 0).back().kind(), pb::EVENT_KIND_REQUEUED);
  EXPECT_TRUE(match().empty()) << "an away agent gets no new chat";
  EXPECT_TRUE(env_->run(db().sweep({100, {}, {}, true})).empty());
}

TEST_F(ChatStore, AReassignmentWaitsForItsOwnDepartmentsDeadline) {
  using std::chrono::milliseconds;
  agent_online("alice", 2, "billing,tech");
  auto c1 = join("v1", "billing");
  ASSERT_EQ(env_->run(db().match("billing", 100, milliseconds(10))).size(), 1u);
  auto c2 = join("v2", "tech");
  ASSERT_EQ(env_->run(db().match("tech", 100, std::chrono::minutes(5))).size(), 1u);
  std::this_thread::sleep_for(milliseconds(20));
  auto swept = env_->run(db().sweep({100, {}, {}, false}));
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].conversation_id, c1);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c2, "state"}), "assigned")
      << "tech gives its agents five minutes";
}

TEST_F(ChatStore, AReassignedChatGoesToAnotherAgentAndCanBeLeftWithAnAgentNotSetAway) {
  agent_online("alice", 1);
  auto c1 = join("v1");
  ASSERT_EQ(env_->run(db().match("billing", 100, std::chrono::milliseconds(10))).size(), 1u);
  agent_online("bob", 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto swept = env_->run(db().sweep({100, {}, {}, false}));
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(redis().command({"HGET", "lc:agent:alice", "status"}), "online");
  auto m = match();
  ASSERT_EQ(m.size(), 1u);
  // Both are free now; bob has waited longer since his last assignment.
  EXPECT_EQ(m[0].agent_id, "bob");
}

TEST_F(ChatStore, AgentBackWithinGraceKeepsChats) {
  agent_online("alice", 1);
  auto c1 = join("v1");
  match();
  env_->run(db().agent_disconnect("alice", std::chrono::minutes(1)));
  auto back = env_->run(db().agent_connect({"alice", "Agent alice", 1, {"billing"}}));
  ASSERT_EQ(back.conversations.size(), 1u);
  EXPECT_EQ(back.conversations[0], c1);
  EXPECT_TRUE(env_->run(db().sweep({100, {}, {}})).empty());
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "state"}), "assigned");
}

TEST_F(ChatStore, TransferToAgentMovesTheSlotAndToDepartmentRequeues) {
  agent_online("alice", 1, "billing,tech");
  agent_online("bob", 1, "billing,tech");
  auto c1 = join("v1");
  auto m = match();
  ASSERT_EQ(m.size(), 1u);
  const auto from = m[0].agent_id;
  const auto to = from == "alice" ? "bob" : "alice";
  auto r = env_->run(db().transfer({c1, from, to, "", "over to you"}));
  EXPECT_TRUE(r.to_agent);
  EXPECT_EQ(redis().command({"HGET", "lc:agent:" + from, "active"}), "0");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:" + std::string(to), "active"}), "1");
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "agent"}), to);
  auto d = env_->run(db().transfer({c1, to, "", "tech", ""}));
  EXPECT_FALSE(d.to_agent);
  EXPECT_EQ(redis().command({"ZRANK", "lc:q:tech", c1}), "0");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:" + std::string(to), "active"}), "0");
  // joined, message, assigned, the transfer note, 2 transfers
  auto all = events(c1, 0);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[3].kind(), pb::EVENT_KIND_NOTE);
  EXPECT_EQ(all[3].text(), "over to you");
  EXPECT_EQ(all[3].sender_id(), from);
  EXPECT_EQ(all[3].sender_role(), pb::ROLE_AGENT);
  EXPECT_EQ(all[4].kind(), pb::EVENT_KIND_TRANSFERRED);
  EXPECT_EQ(all[4].text(), "") << "visitors receive TRANSFERRED: the note must not ride in it";
}

TEST_F(ChatStore, NotesAreDeduplicatedAndOnlyTheAgentOrASupervisorOfTheDepartmentMayWrite) {
  agent_online("alice", 1);
  auto c1 = join("v1");
  ASSERT_EQ(match().size(), 1u);
  auto n1 = env_->run(db().note({c1, "alice", "Alice", "n1", "VIP customer", ""}));
  EXPECT_FALSE(n1.duplicate);
  auto again = env_->run(db().note({c1, "alice", "Alice", "n1", "VIP customer", ""}));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, n1.seq);
  auto sup = env_->run(db().note({c1, "sam", "Sam", "s1", "handle gently", "sales,billing"}));
  EXPECT_EQ(sup.seq, n1.seq + 1);
  auto admin = env_->run(db().note({c1, "root", "Root", "r1", "seen", "*"}));
  EXPECT_EQ(admin.seq, sup.seq + 1);
  EXPECT_THROW(env_->run(db().note({c1, "bob", "Bob", "b1", "not mine", ""})), store::store_error);
  EXPECT_THROW(env_->run(db().note({c1, "sam", "Sam", "s2", "other dept", "sales"})),
               store::store_error);
  auto all = events(c1, 0);
  ASSERT_EQ(all.back().kind(), pb::EVENT_KIND_NOTE);
  EXPECT_EQ(all.back().sender_name(), "Root");
  EXPECT_EQ(all[all.size() - 3].client_msg_id(), "n1");
  // A note is no answer: the visitor's bound before an agent answers still counts.
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "answered"}), "0");
}

TEST_F(ChatStore, TagsAreATaggedEventWithTheWholeListAndRefusedOnceClosed) {
  agent_online("alice", 1);
  auto c1 = join("v1");
  ASSERT_EQ(match().size(), 1u);
  auto t = env_->run(db().tag({c1, "alice", "Alice", "", {"billing-issue", "vip"}}));
  auto all = events(c1, 0);
  ASSERT_EQ(all.back().seq(), t.seq);
  EXPECT_EQ(all.back().kind(), pb::EVENT_KIND_TAGGED);
  EXPECT_EQ(all.back().text(), "billing-issue,vip");
  EXPECT_EQ(all.back().at_ms(), t.at_ms);
  env_->run(db().close({c1, pb::ROLE_AGENT, "alice"}));
  EXPECT_THROW(env_->run(db().tag({c1, "alice", "Alice", "", {"late"}})), store::store_error);
}

TEST_F(ChatStore, CloseReleasesSlotAndLeavesTheConversationToBeArchived) {
  agent_online("alice", 1);
  auto c1 = join("v1");
  match();
  auto closed = env_->run(db().close({c1, pb::ROLE_AGENT, "alice"}));
  EXPECT_EQ(closed.agent_id, "alice");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:alice", "active"}), "0");
  auto backlog = env_->run(reads().archive_backlog(10));
  EXPECT_EQ(backlog.count, 1u);
  ASSERT_EQ(backlog.oldest.size(), 1u);
  EXPECT_EQ(backlog.oldest[0].conversation_id, c1);
  EXPECT_EQ(std::to_string(backlog.oldest[0].since_ms),
            redis().command({"HGET", "lc:conv:" + c1, "closed"}));
  // Until it is archived, nothing of it expires.
  EXPECT_EQ(redis().command({"PTTL", "lc:conv:" + c1}), "-1");
}

TEST_F(ChatStore, AnArchivedConversationExpiresWithTheVisitorsKeys) {
  auto c1 = join("v1");
  close(c1, pb::ROLE_VISITOR, "v1");
  EXPECT_TRUE(env_->run(db().archived(c1, std::chrono::milliseconds(60000), 0)));
  EXPECT_EQ(env_->run(reads().archive_backlog(10)).count, 0u);
  for (const auto& key : {"lc:conv:" + c1, "lc:conv:" + c1 + ":s", "lc:conv:" + c1 + ":c",
                          std::string("lc:visitor:v1"), std::string("lc:visitor:v1:convs")}) {
    const auto ttl = std::stoll(redis().command({"PTTL", key}));
    EXPECT_GT(ttl, 50000) << key;
    EXPECT_LE(ttl, 60000) << key;
  }
  // The visitor comes back: their keys live again while the new chat is open.
  auto c2 = join("v1");
  EXPECT_EQ(redis().command({"PTTL", "lc:visitor:v1"}), "-1");
  EXPECT_EQ(redis().command({"PTTL", "lc:visitor:v1:convs"}), "-1");
  EXPECT_EQ(redis().command({"PTTL", "lc:conv:" + c2}), "-1");
}

// The bench left one member per conversation ever made from its address (the set is pruned
// only at its bound): a finished conversation must not stay in it.
TEST_F(ChatStore, AnArchivedConversationLeavesItsAddressSet) {
  store::join_params p;
  p.conversation_id = "c-addr";
  p.visitor_id = "v1";
  p.name = "Vic";
  p.department = "billing";
  p.address = "127.0.0.9";
  p.max_queued = 100;
  env_->run(db().join(p));
  const auto set = store::keys::address_queued(store::keys::hex_part("127.0.0.9"));
  EXPECT_EQ(redis().command({"SCARD", set}), "1");
  close("c-addr", pb::ROLE_VISITOR, "v1");
  EXPECT_TRUE(env_->run(db().archived("c-addr", std::chrono::milliseconds(60000), 0)));
  EXPECT_EQ(redis().command({"SCARD", set}), "0");
}

// A Redis filled by the version before the system of record: its closed conversations (no
// expiry, in no backlog) join the backlog, once, and the old records go.
TEST_F(ChatStore, TheBackfillPutsConversationsKeptFromBeforeIntoTheBacklog) {
  auto legacy = join("v1");
  close(legacy, pb::ROLE_VISITOR, "v1");
  redis().command({"ZREM", "lc:archive:pending", legacy});  // the old version had no backlog
  redis().command({"ZADD", "lc:rec:response", "1", legacy + "|0|billing|alice|5"});
  redis().command({"SADD", "lc:records:pending", legacy});
  auto archived = join("v2");
  close(archived, pb::ROLE_VISITOR, "v2");
  EXPECT_TRUE(env_->run(db().archived(archived, std::chrono::milliseconds(60000), 0)));
  auto open = join("v3");
  std::int64_t added = 0, step = 0;
  for (int i = 0; i < 100 && step >= 0; ++i) {
    step = env_->run(db().backfill(2));
    if (step > 0) added += step;
  }
  EXPECT_EQ(step, -1) << "the walk did not end";
  EXPECT_EQ(added, 1);
  EXPECT_NE(redis().command({"ZSCORE", "lc:archive:pending", legacy}), "(nil)");
  EXPECT_EQ(redis().command({"ZSCORE", "lc:archive:pending", archived}), "(nil)");
  EXPECT_EQ(redis().command({"ZSCORE", "lc:archive:pending", open}), "(nil)");
  EXPECT_EQ(redis().command({"EXISTS", "lc:rec:response"}), "0");
  EXPECT_EQ(redis().command({"EXISTS", "lc:records:pending"}), "0");
  EXPECT_EQ(env_->run(db().backfill(2)), -1) << "done once, for every node";
}

TEST_F(ChatStore, ARatingGivenWhileArchivingIsArchivedToo) {
  auto c1 = join("v1");
  close(c1, pb::ROLE_VISITOR, "v1");
  env_->run(db().rate({c1, "v1", 4, "ok"}));
  // The archive read the conversation before the rating: it must run again.
  EXPECT_FALSE(env_->run(db().archived(c1, std::chrono::milliseconds(60000), 0)));
  EXPECT_EQ(env_->run(reads().archive_backlog(10)).count, 1u);
  EXPECT_EQ(redis().command({"PTTL", "lc:conv:" + c1}), "-1");
  EXPECT_TRUE(env_->run(db().archived(c1, std::chrono::milliseconds(60000), 4)));
  EXPECT_EQ(env_->run(reads().archive_backlog(10)).count, 0u);
  // Rated after archiving: pending again, for the rating alone.
  auto c2 = join("v2");
  close(c2, pb::ROLE_VISITOR, "v2");
  EXPECT_TRUE(env_->run(db().archived(c2, std::chrono::milliseconds(60000), 0)));
  env_->run(db().rate({c2, "v2", 5, ""}));
  EXPECT_EQ(env_->run(reads().archive_backlog(10)).count, 1u);
}

TEST_F(ChatStore, ErasingAVisitorRemovesTheirKeysButNotAnOpenChat) {
  auto c1 = join("v1");
  EXPECT_THROW(env_->run(db().erase_visitor("v1")), store_error);
  EXPECT_EQ(redis().command({"EXISTS", "lc:conv:" + c1}), "1");
  close(c1, pb::ROLE_VISITOR, "v1");
  auto other = join("v2");
  auto erased = env_->run(db().erase_visitor("v1"));
  ASSERT_EQ(erased.size(), 1u);
  EXPECT_EQ(erased[0], c1);
  for (const auto& key : {"lc:conv:" + c1, "lc:conv:" + c1 + ":s", "lc:conv:" + c1 + ":c",
                          std::string("lc:visitor:v1"), std::string("lc:visitor:v1:convs")}) {
    EXPECT_EQ(redis().command({"EXISTS", key}), "0") << key;
  }
  EXPECT_EQ(env_->run(reads().archive_backlog(10)).count, 0u);
  EXPECT_EQ(redis().command({"EXISTS", "lc:conv:" + other}), "1");
}

TEST_F(ChatStore, RatingOnlyAfterCloseAndOnlyOnce) {
  auto c1 = join("v1");
  auto rate = [&](std::uint32_t n) -> pb::ErrorCode {
    try {
      env_->run(db().rate({c1, "v1", n, "ok"}));
    } catch (const store_error& e) {
      return e.code();
    }
    return pb::ERROR_CODE_UNSPECIFIED;
  };
  EXPECT_EQ(rate(5), pb::ERROR_CODE_CONFLICT);
  close(c1, pb::ROLE_VISITOR, "v1");
  EXPECT_EQ(rate(9), pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(rate(4), pb::ERROR_CODE_UNSPECIFIED);
  EXPECT_EQ(rate(5), pb::ERROR_CODE_CONFLICT);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "rating"}), "4");
}

TEST_F(ChatStore, VisitorGonePastGraceIsClosedAsAbandoned) {
  auto c1 = join("v1");
  env_->run(db().visitor_presence({c1, "v1", false, std::chrono::milliseconds(0)}));
  auto swept = env_->run(db().sweep({100, {}, {}}));
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].what, store::sweep_item::outcome::abandoned);
  EXPECT_EQ(redis().command({"HGET", "lc:conv:" + c1, "state"}), "closed");
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "0");
}

TEST_F(ChatStore, QueueStatusReportsRanksAndFreeSlots) {
  auto c1 = join("v1");
  auto c2 = join("v2");
  auto q = env_->run(reads().queue_status("billing", {c1, c2, "nope"}));
  EXPECT_EQ(q.length, 2u);
  ASSERT_EQ(q.ranks.size(), 3u);
  EXPECT_EQ(q.ranks[0], 0);
  EXPECT_EQ(q.ranks[1], 1);
  EXPECT_EQ(q.ranks[2], -1);
  EXPECT_EQ(q.agents_online, 0u);
}

TEST_F(ChatStore, OfflineMessagesAreStoredAndListedNewestFirstPerDepartment) {
  env_->run(db().offline_leave({"o1", "v1", "Ann", "ann@x.org", "billing", "call me"}));
  env_->run(db().offline_leave({"o2", "v2", "Ben", "ben@x.org", "tech", "broken"}));
  auto billing = env_->run(reads().offline_list({"billing"}, 10));
  ASSERT_EQ(billing.size(), 1u);
  EXPECT_EQ(billing[0].text(), "call me");
  EXPECT_EQ(env_->run(reads().offline_list({}, 10)).size(), 2u);
}

TEST_F(ChatStore, AnOfflineMessageAnsweredByEmailSaysWhoAndWhen) {
  env_->run(db().offline_leave({"o1", "v1", "Ann", "ann@x.org", "billing", "call me"}));
  const auto at = env_->run(db().offline_replied("o1", "bob"));
  EXPECT_GT(at, 0);
  auto found = env_->run(reads().offline_find("o1"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->replied_by(), "bob");
  EXPECT_EQ(found->replied_at_ms(), at);
  EXPECT_EQ(found->email(), "ann@x.org");
  EXPECT_EQ(env_->run(reads().offline_list({"billing"}, 10)).at(0).replied_by(), "bob");
  EXPECT_EQ(env_->run(db().offline_replied("o2", "bob")), 0) << "no such message";
  EXPECT_EQ(redis().command({"EXISTS", "lc:offline:o2"}), "0") << "and none made";
  EXPECT_FALSE(env_->run(reads().offline_find("o2")));
}

TEST_F(ChatStore, NodeThatLostItsLeaseIsFencedUntilItRejoins) {
  auto conv = join("v1");
  // Another process took n1's lease (as after this node paused past its TTL).
  store_env usurper(redis(), "n1");
  const auto before = redis().command({"XLEN", "lc:conv:" + conv + ":s"});
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_VISITOR, "v1", "late", "stale"))),
            pb::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(redis().command({"XLEN", "lc:conv:" + conv + ":s"}), before);
  EXPECT_EQ(env_->run(db().lease("n1", std::chrono::minutes(1), 1)), 0)
      << "renewing a lost lease must fail";
  db().set_fence("n1", env_->run(db().lease("n1", std::chrono::minutes(1), 0)));
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_VISITOR, "v1", "late", "fresh"))),
            pb::ERROR_CODE_UNSPECIFIED);
}

TEST_F(ChatStore, AgentWritesForAnOldAssignmentAreRefused) {
  agent_online("alice", 2);
  auto conv = join("v1");
  match();
  const auto epoch = std::stoull(redis().command({"HGET", "lc:conv:" + conv, "epoch"}));
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_AGENT, "alice", "a1", "ok", epoch))),
            pb::ERROR_CODE_UNSPECIFIED);
  env_->run(db().agent_disconnect("alice", std::chrono::milliseconds(0)));
  env_->run(db().sweep({100, {}, {}}));  // requeued
  agent_online("alice", 2);
  ASSERT_EQ(match().size(), 1u);  // alice again, under a new epoch
  EXPECT_EQ(error_of(db().post(post_params(conv, pb::ROLE_AGENT, "alice", "a2", "stale", epoch))),
            pb::ERROR_CODE_CONFLICT);
}

TEST_F(ChatStore, DeadNodesAgentsAndVisitorsStartTheirGrace) {
  store_env doomed(redis(), "n9");
  agent_online(doomed, "bob", 2);
  auto conv = join("v1");
  ASSERT_EQ(match().size(), 1u);
  redis().command({"DEL", "lc:node:n9"});  // n9 was killed: its lease simply expires
  auto swept = env_->run(db().sweep({100, std::chrono::milliseconds(0), std::chrono::minutes(10)}));
  // Zero agent grace: bob's chat goes straight back to the queue.
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].what, store::sweep_item::outcome::requeued);
  EXPECT_EQ(swept[0].conversation_id, conv);
  EXPECT_EQ(redis().command({"SISMEMBER", "lc:nodes", "n9"}), "0");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:bob", "status"}), "offline");
}

TEST_F(ChatStore, FunctionsSurviveRedisRestartBecauseTheyAreReloadedOnConnect) {
  redis().command({"FUNCTION", "FLUSH"});
  // A fresh connection (as after a reconnect) loads the library again.
  store_env fresh(redis(), "n3");
  EXPECT_NO_THROW(fresh.run(fresh.store().sweep({1, {}, {}})));
}

}  // namespace
}  // namespace lc::test
