// The store's rules for a team at work: supervisors taking over, assigning and picking waiting
// chats, barging in and monitoring; a tag required before close; idle chats asked and closed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server/store/chat_store.hpp"
#include "tests/store/store_env.hpp"

namespace lc::test {
namespace {

namespace pb = livechat::v1;
using std::chrono::milliseconds;

class TeamStore : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<store_env>(redis());
  }
  store::chat_store& db() { return env_->store(); }

  std::string join(const std::string& visitor, const std::string& dept = "billing") {
    store::join_params p;
    p.conversation_id = "c-" + visitor;
    p.visitor_id = visitor;
    p.name = "Visitor " + visitor;
    p.department = dept;
    p.first_message = "hello";
    p.client_msg_id = "m-" + visitor;
    return env_->run(db().join(p)).conversation_id;
  }
  void online(const std::string& agent, const std::string& depts = "billing") {
    env_->run(db().agent_connect({agent, "Agent " + agent, 2, {depts}}));
    env_->run(db().presence({agent, pb::PRESENCE_STATUS_ONLINE, 0}));
  }
  void match(const std::string& dept = "billing") { env_->run(db().match(dept, 10)); }
  store::post_result say(const std::string& conv, pb::Role role, const std::string& who,
                         const std::string& cmid) {
    store::post_params p;
    p.conversation_id = conv;
    p.role = role;
    p.sender_id = who;
    p.sender_name = who;
    p.client_msg_id = cmid;
    p.text = "text " + cmid;
    return env_->run(db().post(p));
  }
  store::transfer_result move(const std::string& conv, const std::string& by,
                              const std::string& to_agent, const std::string& scope,
                              const std::string& to_dept = "") {
    store::transfer_params p{conv, by, to_agent, to_dept, ""};
    p.scope = scope;
    return env_->run(db().transfer(p));
  }
  pb::ErrorCode error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const store::store_error& e) {
      return e.code();
    }
    return pb::ERROR_CODE_UNSPECIFIED;
  }
  std::string field(const std::string& conv, const std::string& name) {
    return redis().command({"HGET", "lc:conv:" + conv, name});
  }
  std::vector<pb::ChatEvent> events(const std::string& conv) {
    return env_->run(env_->reads().events(conv, 0));
  }
  store::post_result supervise(const std::string& conv, const std::string& who,
                               const std::string& scope, store::supervise_params::action what) {
    store::supervise_params p{what, conv, who, "Sup " + who, scope, pb::ROLE_SUPERVISOR};
    return env_->run(db().supervise(p));
  }

  std::unique_ptr<store_env> env_;
};

TEST_F(TeamStore, ASupervisorTakesOverAssignsAndPicksAWaitingVisitorInTheirDepartmentsOnly) {
  online("alice");
  online("sam");
  online("bob");
  // sam and bob would be matched too: take them out of matching while alice gets c1.
  env_->run(db().presence({"sam", pb::PRESENCE_STATUS_AWAY, 0}));
  env_->run(db().presence({"bob", pb::PRESENCE_STATUS_AWAY, 0}));
  auto c1 = join("v1");
  match();
  ASSERT_EQ(field(c1, "agent"), "alice");
  env_->run(db().presence({"sam", pb::PRESENCE_STATUS_ONLINE, 0}));
  EXPECT_EQ(error_of([&] { move(c1, "bob", "bob", ""); }), pb::ERROR_CODE_NOT_FOUND)
      << "an agent moves only their own chats";
  EXPECT_EQ(error_of([&] { move(c1, "sam", "sam", "sales"); }), pb::ERROR_CODE_NOT_FOUND)
      << "not a department sam supervises";
  auto took = move(c1, "sam", "sam", "billing");
  EXPECT_TRUE(took.to_agent);
  EXPECT_EQ(field(c1, "agent"), "sam");
  EXPECT_EQ(redis().command({"HGET", "lc:agent:alice", "active"}), "0");
  auto all = events(c1);
  EXPECT_EQ(all.back().kind(), pb::EVENT_KIND_TRANSFERRED);
  EXPECT_EQ(all.back().agent_id(), "sam");
  EXPECT_EQ(all.back().sender_id(), "sam") << "who moved it";
  EXPECT_EQ(error_of([&] { move(c1, "sam", "sam", "billing"); }), pb::ERROR_CODE_CONFLICT);
  EXPECT_EQ(error_of([&] { move(c1, "sam", "bob", "billing"); }), pb::ERROR_CODE_CONFLICT)
      << "bob is away";
  // An admin assigns it on to alice.
  move(c1, "root", "alice", "*");
  EXPECT_EQ(field(c1, "agent"), "alice");
  // A waiting visitor picked by hand: sam's own pick, though alice is free for matching.
  env_->run(db().presence({"alice", pb::PRESENCE_STATUS_AWAY, 0}));
  auto c2 = join("v2");
  EXPECT_EQ(field(c2, "state"), "queued");
  move(c2, "sam", "sam", "billing");
  EXPECT_EQ(field(c2, "state"), "assigned");
  EXPECT_EQ(field(c2, "agent"), "sam");
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "0");
  EXPECT_EQ(events(c2).back().kind(), pb::EVENT_KIND_ASSIGNED) << "a queue wait ends there";
}

TEST_F(TeamStore, AWaitingChatMovesToAnotherDepartmentByASupervisor) {
  auto c1 = join("v1");
  auto r = move(c1, "sam", "", "billing", "tech");
  EXPECT_FALSE(r.to_agent);
  EXPECT_EQ(field(c1, "dept"), "tech");
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:billing"}), "0");
  EXPECT_EQ(redis().command({"ZCARD", "lc:q:tech"}), "1");
}

TEST_F(TeamStore, ASupervisorWhoBargedInIsAParticipantTheVisitorHearsOthersAreNot) {
  online("alice");
  auto c1 = join("v1");
  match();
  EXPECT_EQ(error_of([&] { say(c1, pb::ROLE_SUPERVISOR, "sam", "s0"); }), pb::ERROR_CODE_NOT_FOUND)
      << "not before barging in";
  auto monitored = supervise(c1, "sam", "billing", store::supervise_params::action::monitor);
  EXPECT_EQ(events(c1).back().kind(), pb::EVENT_KIND_MONITORED);
  EXPECT_EQ(
      error_of([&] { supervise(c1, "sam", "sales", store::supervise_params::action::barge_in); }),
      pb::ERROR_CODE_NOT_FOUND);
  auto barged = supervise(c1, "sam", "billing", store::supervise_params::action::barge_in);
  EXPECT_EQ(barged.seq, monitored.seq + 1);
  EXPECT_FALSE(barged.duplicate);
  auto again = supervise(c1, "sam", "billing", store::supervise_params::action::barge_in);
  EXPECT_TRUE(again.duplicate);
  auto all = events(c1);
  EXPECT_EQ(all.back().kind(), pb::EVENT_KIND_BARGED_IN);
  EXPECT_EQ(all.back().sender_id(), "sam");
  EXPECT_EQ(all.back().sender_name(), "Sup sam");
  auto said = say(c1, pb::ROLE_SUPERVISOR, "sam", "s1");
  all = events(c1);
  EXPECT_EQ(all.back().seq(), said.seq);
  EXPECT_EQ(all.back().sender_role(), pb::ROLE_SUPERVISOR);
  EXPECT_EQ(field(c1, "answered"), "0") << "the agent's answer is still owed";
  EXPECT_EQ(error_of([&] { say(c1, pb::ROLE_SUPERVISOR, "pat", "p1"); }), pb::ERROR_CODE_NOT_FOUND);
}

TEST_F(TeamStore, ASupervisorWatchingAgainIsNoNewsToTheAgentButANewAgentIsTold) {
  online("alice");
  online("bob");
  auto c1 = join("v1");
  match();
  const auto monitor = store::supervise_params::action::monitor;
  auto first = supervise(c1, "sam", "billing", monitor);
  EXPECT_FALSE(first.duplicate);
  const auto count = events(c1).size();
  auto again = supervise(c1, "sam", "billing", monitor);  // the console reconnected
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(events(c1).size(), count) << "no second MONITORED for the same agent";
  EXPECT_FALSE(supervise(c1, "pat", "billing", monitor).duplicate) << "another supervisor is news";

  move(c1, "sam", field(c1, "agent") == "alice" ? "bob" : "alice", "billing");
  auto for_new_agent = supervise(c1, "sam", "billing", monitor);
  EXPECT_FALSE(for_new_agent.duplicate);
  EXPECT_EQ(events(c1).back().kind(), pb::EVENT_KIND_MONITORED);
}

TEST_F(TeamStore, ADepartmentThatWantsATagRefusesAnUntaggedCloseByItsAgentOnly) {
  online("alice");
  auto c1 = join("v1");
  match();
  store::close_params untagged{c1, pb::ROLE_AGENT, "alice", {"tech", "billing"}};
  EXPECT_EQ(error_of([&] { env_->run(db().close(untagged)); }), pb::ERROR_CODE_CONFLICT);
  EXPECT_EQ(field(c1, "state"), "assigned");
  env_->run(db().tag({c1, "alice", "Alice", "", {"refund"}}));
  env_->run(db().close(untagged));
  EXPECT_EQ(field(c1, "state"), "closed");
  // Another department's rule, and a visitor's close, are never in the way.
  auto c2 = join("v2");
  match();
  env_->run(db().close({c2, pb::ROLE_AGENT, "alice", {"tech"}}));
  auto c3 = join("v3");
  env_->run(db().close({c3, pb::ROLE_VISITOR, "v3", {"billing"}}));
  EXPECT_EQ(field(c3, "state"), "closed");
}

TEST_F(TeamStore, AnIdleChatIsAskedThenClosedAndAReplyClearsTheQuestion) {
  online("alice");
  auto c1 = join("v1");
  auto c2 = join("v2");
  match();
  say(c1, pb::ROLE_AGENT, "alice", "a1");
  say(c2, pb::ROLE_AGENT, "alice", "a2");
  say(c2, pb::ROLE_VISITOR, "v2", "v2");  // c2's visitor wrote last: not idle
  store::idle_params p;
  p.text = "Still there?";
  p.policies = {{"billing", milliseconds(30), milliseconds(30)}};
  EXPECT_TRUE(env_->run(db().idle(p)).empty()) << "not silent long enough yet";
  std::this_thread::sleep_for(milliseconds(40));
  auto asked = env_->run(db().idle(p));
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].conversation_id, c1);
  EXPECT_FALSE(asked[0].closed);
  auto all = events(c1);
  EXPECT_EQ(all.back().kind(), pb::EVENT_KIND_IDLE_PROMPT);
  EXPECT_EQ(all.back().text(), "Still there?");
  EXPECT_TRUE(env_->run(db().idle(p)).empty()) << "asked once";
  // The visitor answers: the question is cleared, and the chat is not closed.
  say(c1, pb::ROLE_VISITOR, "v1", "here");
  std::this_thread::sleep_for(milliseconds(40));
  EXPECT_TRUE(env_->run(db().idle(p)).empty());
  EXPECT_EQ(field(c1, "state"), "assigned");
  // The agent answers and the visitor goes quiet for good: asked, then closed as idle.
  say(c1, pb::ROLE_AGENT, "alice", "a3");
  std::this_thread::sleep_for(milliseconds(40));
  ASSERT_EQ(env_->run(db().idle(p)).size(), 1u);
  std::this_thread::sleep_for(milliseconds(40));
  auto closed = env_->run(db().idle(p));
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(closed[0].closed);
  EXPECT_EQ(field(c1, "state"), "closed");
  all = events(c1);
  EXPECT_EQ(all.back().kind(), pb::EVENT_KIND_CLOSED);
  EXPECT_EQ(all.back().sender_id(), "idle");
  EXPECT_EQ(field(c2, "state"), "assigned");
  // Another department's policy does not touch billing.
  p.policies = {{"tech", milliseconds(1), milliseconds(1)}};
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_TRUE(env_->run(db().idle(p)).empty());
}

}  // namespace
}  // namespace lc::test
