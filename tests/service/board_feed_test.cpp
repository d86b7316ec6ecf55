// The board pushed to staff who follow it (FollowBoard): who waits, the chats held now and the
// team, each scoped to the receiver's departments, sent when it changes and only then.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/service/staff_suite.hpp"

namespace lc::test {
namespace {

class Board : public staff_suite {
 protected:
  static pb::ClientEnvelope follow(bool on = true) {
    pb::ClientEnvelope req;
    req.mutable_follow_board()->set_on(on);
    return req;
  }
  // The next Board the client is pushed that satisfies `pred`.
  static std::optional<pb::Board> board_where(fake_client& c,
                                              const std::function<bool(const pb::Board&)>& pred,
                                              std::chrono::milliseconds t = 3s) {
    auto e = c.wait_for(
        [&](const pb::ServerEnvelope& env) { return env.has_board() && pred(env.board()); }, t);
    if (!e) return std::nullopt;
    return e->board();
  }
  static bool waits(const pb::Board& b, const std::string& conv) {
    return std::any_of(b.waiting().begin(), b.waiting().end(),
                       [&](const auto& w) { return w.conversation_id() == conv; });
  }
  static bool held(const pb::Board& b, const std::string& conv) {
    return std::any_of(b.live().begin(), b.live().end(),
                       [&](const auto& c) { return c.conversation_id() == conv; });
  }
  static bool lists(const pb::Board& b, const std::string& agent) {
    return std::any_of(b.agents().begin(), b.agents().end(),
                       [&](const auto& a) { return a.agent_id() == agent; });
  }
  std::size_t boards_in(fake_client& c, std::chrono::milliseconds t) {
    env().run_for(t);
    return static_cast<std::size_t>(std::count_if(c.inbox().begin(), c.inbox().end(),
                                                  [](const auto& e) { return e.has_board(); }));
  }
};

TEST_F(Board, ASupervisorIsPushedWhoWaitsAndWhatIsHeldAsItChanges) {
  auto sam = supervisor("sam", {"billing"});
  auto followed = sam->request(follow());
  ASSERT_TRUE(followed.has_ack()) << followed.DebugString();
  auto first = board_where(*sam, [](const pb::Board&) { return true; });
  ASSERT_TRUE(first) << "the board comes at once";
  EXPECT_TRUE(first->waiting().empty());
  EXPECT_GT(first->server_time_ms(), 0);
  auto sue = supervisor("sue", {"billing"});  // the same scope: the same board, shared
  ASSERT_TRUE(sue->request(follow()).has_ack());

  // Nobody online: the visitor waits, and the board shows them without being asked.
  auto visitor = env().connect();
  visitor->hello_visitor();
  const auto conv = visitor->join("Vic", "billing", "my invoice").conversation_id();
  auto queued = board_where(*sam, [&](const pb::Board& b) { return waits(b, conv); });
  ASSERT_TRUE(queued) << "a new waiting visitor is pushed";
  EXPECT_TRUE(board_where(*sue, [&](const pb::Board& b) { return waits(b, conv); }))
      << "to every follower of the same scope";
  const auto& w = queued->waiting(0);
  EXPECT_EQ(w.department(), "billing");
  EXPECT_EQ(w.visitor_name(), "Vic");
  EXPECT_EQ(w.first_message(), "my invoice");
  EXPECT_EQ(w.position(), 1u);
  EXPECT_LE(w.waiting_since_ms(), queued->server_time_ms());

  // An agent comes online and takes the chat: it leaves the waiting list for the live one.
  auto alice = env().connect();
  alice->hello_agent("alice", {"billing"}, 3);
  alice->presence(pb::PRESENCE_STATUS_ONLINE);
  ASSERT_TRUE(alice->wait_assigned(conv));
  auto live =
      board_where(*sam, [&](const pb::Board& b) { return held(b, conv) && !waits(b, conv); });
  ASSERT_TRUE(live) << "the assignment is pushed";
  EXPECT_EQ(live->live(0).agent_id(), "alice");
  EXPECT_EQ(live->live(0).visitor_name(), "Vic");
  ASSERT_TRUE(lists(*live, "alice"));
  for (const auto& a : live->agents()) {
    if (a.agent_id() != "alice") continue;
    EXPECT_EQ(a.status(), pb::PRESENCE_STATUS_ONLINE);
    EXPECT_TRUE(a.connected());
    EXPECT_EQ(a.active(), 1u);
    EXPECT_EQ(a.capacity(), 3u);
  }

  // Nothing changes: nothing is pushed, though the board is looked at every second.
  sam->inbox().clear();
  EXPECT_EQ(boards_in(*sam, 2500ms), 0u);

  // Closed: gone from the live list.
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(alice->request(close).has_ack());
  EXPECT_TRUE(board_where(*sam, [&](const pb::Board& b) { return !held(b, conv); }));
}

TEST_F(Board, EachFollowerSeesOnlyTheirDepartmentsAndAgentsNoLiveList) {
  auto c = assigned_chat("alice");  // billing, held
  auto tess = supervisor("tess", {"tech"});
  auto bob = env().connect();
  bob->hello_agent("bob", {"billing"}, 2);
  auto admin = env().connect();
  pb::ClientEnvelope hello;
  hello.mutable_hello()->set_agent_token(
      staff_token_for(service_secret, "ada", {}, 2, core::staff_role::admin));
  ASSERT_TRUE(admin->request(hello).has_welcome());
  auto waiting_visitor = env().connect();
  waiting_visitor->hello_visitor();
  const auto waiting = waiting_visitor->join("Wanda", "tech", "hi").conversation_id();

  ASSERT_TRUE(tess->request(follow()).has_ack());
  ASSERT_TRUE(bob->request(follow()).has_ack());
  ASSERT_TRUE(admin->request(follow()).has_ack());
  auto t = board_where(*tess, [&](const pb::Board& b) { return waits(b, waiting); });
  ASSERT_TRUE(t);
  EXPECT_FALSE(held(*t, c.conv)) << "billing's chat is not tech's supervisor's";
  EXPECT_FALSE(lists(*t, "alice")) << "nor is billing's agent";
  auto b = board_where(*bob, [&](const pb::Board& b) { return lists(b, "alice"); });
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->live().empty()) << "an agent is not shown the chats colleagues hold";
  EXPECT_FALSE(waits(*b, waiting)) << "nor another department's queue";
  auto a = board_where(*admin, [&](const pb::Board& b) { return held(b, c.conv); });
  ASSERT_TRUE(a) << "an admin sees every department";
  EXPECT_TRUE(waits(*a, waiting));
}

TEST_F(Board, AnUnfollowedBoardIsNoLongerPushedAndVisitorsMayNotFollow) {
  auto sam = supervisor("sam", {"billing"});
  ASSERT_TRUE(sam->request(follow()).has_ack());
  ASSERT_TRUE(board_where(*sam, [](const pb::Board&) { return true; }));
  ASSERT_TRUE(sam->request(follow(false)).has_ack());
  sam->inbox().clear();
  auto visitor = env().connect();
  visitor->hello_visitor();
  visitor->join("Vic");
  EXPECT_EQ(boards_in(*sam, 2000ms), 0u);

  auto refused = visitor->request(follow());
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_FORBIDDEN);
  EXPECT_FALSE(visitor->wait_for([](const auto& e) { return e.has_board(); }, 1500ms));
}

}  // namespace
}  // namespace lc::test
