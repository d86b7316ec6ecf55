#include "server/core/conversation_state.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

namespace pb = livechat::v1;
using action = conversation_action;
using transition = conversation_transition;

constexpr auto queued = pb::CONVERSATION_STATE_QUEUED;
constexpr auto assigned = pb::CONVERSATION_STATE_ASSIGNED;
constexpr auto closed = pb::CONVERSATION_STATE_CLOSED;

void expect_allowed(conversation_state s, action a) {
  EXPECT_FALSE(check_action(s, a).has_value())
      << "state " << s << " action " << static_cast<int>(a);
}

void expect_conflict(conversation_state s, action a) {
  const auto e = check_action(s, a);
  ASSERT_TRUE(e.has_value()) << "state " << s << " action " << static_cast<int>(a);
  EXPECT_EQ(e->code, pb::ERROR_CODE_CONFLICT);
  EXPECT_FALSE(e->text.empty());
}

TEST(conversation_state, queued_lets_the_visitor_write_but_not_the_agent) {
  expect_allowed(queued, action::visitor_message);
  expect_allowed(queued, action::receipt);
  expect_allowed(queued, action::typing);
  expect_allowed(queued, action::close);
  expect_conflict(queued, action::agent_message);
  expect_conflict(queued, action::transfer);
  expect_conflict(queued, action::rate);
}

TEST(conversation_state, assigned_allows_everything_but_rating) {
  for (auto a : {action::visitor_message, action::agent_message, action::receipt, action::typing,
                 action::transfer, action::close}) {
    expect_allowed(assigned, a);
  }
  expect_conflict(assigned, action::rate);
}

TEST(conversation_state, closed_allows_only_rating) {
  expect_allowed(closed, action::rate);
  for (auto a : {action::visitor_message, action::agent_message, action::receipt, action::typing,
                 action::transfer, action::close}) {
    expect_conflict(closed, a);
  }
  EXPECT_EQ(check_action(closed, action::visitor_message)->text, "conversation is closed");
}

TEST(conversation_state, unspecified_state_allows_nothing) {
  for (auto a : {action::visitor_message, action::agent_message, action::rate, action::close}) {
    expect_conflict(pb::CONVERSATION_STATE_UNSPECIFIED, a);
  }
}

TEST(conversation_state, allowed_transitions) {
  EXPECT_EQ(next_state(queued, transition::assign), assigned);
  EXPECT_EQ(next_state(assigned, transition::transfer_to_agent), assigned);
  EXPECT_EQ(next_state(assigned, transition::requeue), queued);
  EXPECT_EQ(next_state(queued, transition::close), closed);
  EXPECT_EQ(next_state(assigned, transition::close), closed);
}

TEST(conversation_state, refused_transitions) {
  EXPECT_FALSE(next_state(assigned, transition::assign));
  EXPECT_FALSE(next_state(closed, transition::assign));
  EXPECT_FALSE(next_state(queued, transition::transfer_to_agent));
  EXPECT_FALSE(next_state(closed, transition::transfer_to_agent));
  EXPECT_FALSE(next_state(queued, transition::requeue));
  EXPECT_FALSE(next_state(closed, transition::requeue));
  EXPECT_FALSE(next_state(closed, transition::close));
  for (auto t : {transition::assign, transition::transfer_to_agent, transition::requeue,
                 transition::close}) {
    EXPECT_FALSE(next_state(pb::CONVERSATION_STATE_UNSPECIFIED, t));
  }
}

}  // namespace
}  // namespace lc::core

namespace lc::core {
namespace {

TEST(ConversationState, EventsMoveTheStateTheWayTheStoreDoes) {
  namespace pb = livechat::v1;
  auto ev = [](pb::EventKind k, std::string agent = "") {
    pb::ChatEvent e;
    e.set_kind(k);
    e.set_agent_id(agent);
    return e;
  };
  auto s = pb::CONVERSATION_STATE_QUEUED;
  s = state_after(s, ev(pb::EVENT_KIND_MESSAGE));
  EXPECT_EQ(s, pb::CONVERSATION_STATE_QUEUED);
  s = state_after(s, ev(pb::EVENT_KIND_ASSIGNED, "alice"));
  EXPECT_EQ(s, pb::CONVERSATION_STATE_ASSIGNED);
  s = state_after(s, ev(pb::EVENT_KIND_TRANSFERRED, "bob"));
  EXPECT_EQ(s, pb::CONVERSATION_STATE_ASSIGNED);
  s = state_after(s, ev(pb::EVENT_KIND_TRANSFERRED));  // to a department
  EXPECT_EQ(s, pb::CONVERSATION_STATE_QUEUED);
  s = state_after(s, ev(pb::EVENT_KIND_CLOSED));
  EXPECT_EQ(s, pb::CONVERSATION_STATE_CLOSED);
  EXPECT_EQ(state_after(s, ev(pb::EVENT_KIND_ASSIGNED, "x")), pb::CONVERSATION_STATE_CLOSED)
      << "nothing reopens a closed conversation";
}

}  // namespace
}  // namespace lc::core
