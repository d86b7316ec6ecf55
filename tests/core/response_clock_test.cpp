#include "server/core/response_clock.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lc::core {
namespace {

namespace pb = livechat::v1;

clock_event joined(std::int64_t at, std::string department = "sales") {
  return {pb::EVENT_KIND_JOINED, pb::ROLE_VISITOR, "v1", "", std::move(department), at};
}
clock_event assigned(std::int64_t at, std::string agent) {
  return {pb::EVENT_KIND_ASSIGNED, pb::ROLE_SYSTEM, "", std::move(agent), "", at};
}
clock_event visitor_says(std::int64_t at) {
  return {pb::EVENT_KIND_MESSAGE, pb::ROLE_VISITOR, "v1", "", "", at};
}
clock_event agent_says(std::int64_t at, std::string agent) {
  return {pb::EVENT_KIND_MESSAGE, pb::ROLE_AGENT, std::move(agent), "", "", at};
}
clock_event system_says(std::int64_t at) {
  return {pb::EVENT_KIND_MESSAGE, pb::ROLE_SYSTEM, "bot", "", "", at};
}
clock_event transferred_to_agent(std::int64_t at, std::string agent) {
  return {pb::EVENT_KIND_TRANSFERRED, pb::ROLE_AGENT, "", std::move(agent), "", at};
}
clock_event transferred_to_department(std::int64_t at, std::string department) {
  return {pb::EVENT_KIND_TRANSFERRED, pb::ROLE_AGENT, "", "", std::move(department), at};
}
clock_event requeued(std::int64_t at, std::string department = "") {
  return {pb::EVENT_KIND_REQUEUED, pb::ROLE_SYSTEM, "", "", std::move(department), at};
}
clock_event closed(std::int64_t at) {
  return {pb::EVENT_KIND_CLOSED, pb::ROLE_VISITOR, "v1", "", "", at};
}

std::vector<measurement> of(const conversation_times& t, measure what) {
  std::vector<measurement> out;
  for (const auto& m : t.measurements) {
    if (m.what == what) out.push_back(m);
  }
  return out;
}

void expect_measure(const measurement& m, measure what, std::int64_t value, std::int64_t at,
                    const std::string& agent, const std::string& department) {
  EXPECT_EQ(m.what, what) << measure_name(m.what);
  EXPECT_EQ(m.value_ms, value) << measure_name(what);
  EXPECT_EQ(m.at_ms, at) << measure_name(what);
  EXPECT_EQ(m.agent_id, agent) << measure_name(what);
  EXPECT_EQ(m.department, department) << measure_name(what);
}

TEST(response_clock, measure_names) {
  EXPECT_STREQ(measure_name(measure::queue_wait), "queue_wait");
  EXPECT_STREQ(measure_name(measure::first_response), "first_response");
  EXPECT_STREQ(measure_name(measure::response), "response");
  EXPECT_STREQ(measure_name(measure::resolution), "resolution");
}

TEST(response_clock, plain_chat) {
  response_clock c;
  EXPECT_TRUE(c.on_event(joined(1000)).empty());
  const auto on_assign = c.on_event(assigned(4000, "a1"));
  ASSERT_EQ(on_assign.size(), 1u);
  expect_measure(on_assign[0], measure::queue_wait, 3000, 4000, "a1", "sales");
  EXPECT_TRUE(c.on_event(visitor_says(5000)).empty());
  const auto reply = c.on_event(agent_says(9000, "a1"));
  ASSERT_EQ(reply.size(), 2u);  // both the first response and the response to the visitor
  expect_measure(reply[0], measure::first_response, 5000, 9000, "a1", "sales");
  expect_measure(reply[1], measure::response, 4000, 9000, "a1", "sales");
  const auto end = c.on_event(closed(20000));
  ASSERT_EQ(end.size(), 1u);
  expect_measure(end[0], measure::resolution, 19000, 20000, "a1", "sales");

  const auto& t = c.times();
  EXPECT_EQ(t.measurements.size(), 4u);
  EXPECT_TRUE(t.closed);
  EXPECT_FALSE(t.missed);
  EXPECT_EQ(t.visitor_messages, 1u);
  EXPECT_EQ(t.agent_messages, 1u);
  EXPECT_EQ(t.joined_at_ms, 1000);
  EXPECT_EQ(t.closed_at_ms, 20000);
}

TEST(response_clock, response_runs_from_the_first_unanswered_visitor_message) {
  const std::vector<clock_event> events = {
      joined(0),          assigned(100, "a1"),    visitor_says(1000),
      visitor_says(2000), visitor_says(3000),     agent_says(4500, "a1"),
      visitor_says(6000), agent_says(6500, "a1"), agent_says(7000, "a1")};
  const auto t = measure_conversation(events);
  const auto responses = of(t, measure::response);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].value_ms, 3500);
  EXPECT_EQ(responses[1].value_ms, 500);
  EXPECT_EQ(t.visitor_messages, 4u);
  EXPECT_EQ(t.agent_messages, 3u);
}

TEST(response_clock, agent_message_with_nothing_pending_measures_no_response) {
  response_clock c;
  c.on_event(joined(0));
  c.on_event(assigned(10, "a1"));
  const auto greet = c.on_event(agent_says(50, "a1"));
  ASSERT_EQ(greet.size(), 1u);
  EXPECT_EQ(greet[0].what, measure::first_response);
  EXPECT_TRUE(c.on_event(agent_says(60, "a1")).empty());
  EXPECT_TRUE(of(c.times(), measure::response).empty());
}

TEST(response_clock, transfer_before_first_reply_credits_the_new_agent_from_the_transfer) {
  const auto t = measure_conversation(std::vector<clock_event>{
      joined(0), assigned(1000, "a1"), transferred_to_agent(5000, "a2"), agent_says(7000, "a2")});
  const auto frt = of(t, measure::first_response);
  ASSERT_EQ(frt.size(), 1u);
  EXPECT_EQ(frt[0].value_ms, 2000);
  EXPECT_EQ(frt[0].agent_id, "a2");
  EXPECT_EQ(of(t, measure::queue_wait).size(), 1u);  // a direct transfer is not a queue wait
}

TEST(response_clock, transfer_after_first_reply_measures_no_second_first_response) {
  const auto t = measure_conversation(std::vector<clock_event>{
      joined(0), assigned(1000, "a1"), agent_says(2000, "a1"), transferred_to_agent(3000, "a2"),
      visitor_says(4000), agent_says(4400, "a2"), closed(5000)});
  ASSERT_EQ(of(t, measure::first_response).size(), 1u);
  EXPECT_EQ(of(t, measure::first_response)[0].agent_id, "a1");
  const auto responses = of(t, measure::response);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].value_ms, 400);
  EXPECT_EQ(responses[0].agent_id, "a2");
  EXPECT_EQ(of(t, measure::resolution)[0].agent_id, "a2");  // whoever holds it at the end
}

TEST(response_clock, requeue_after_agent_loss_starts_a_new_wait_and_first_response_clock) {
  const auto t =
      measure_conversation(std::vector<clock_event>{joined(0), assigned(1000, "a1"), requeued(2000),
                                                    assigned(6000, "a2"), agent_says(6500, "a2")});
  const auto waits = of(t, measure::queue_wait);
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0].value_ms, 1000);
  EXPECT_EQ(waits[0].agent_id, "a1");
  EXPECT_EQ(waits[1].value_ms, 4000);
  EXPECT_EQ(waits[1].agent_id, "a2");
  const auto frt = of(t, measure::first_response);
  ASSERT_EQ(frt.size(), 1u);
  EXPECT_EQ(frt[0].value_ms, 500);
  EXPECT_EQ(frt[0].agent_id, "a2");
}

TEST(response_clock, department_transfer_requeues_into_the_new_department) {
  const auto t = measure_conversation(std::vector<clock_event>{
      joined(0, "sales"), assigned(1000, "a1"), transferred_to_department(2000, "billing"),
      assigned(5000, "b1"), closed(9000)});
  const auto waits = of(t, measure::queue_wait);
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0].department, "sales");
  EXPECT_EQ(waits[1].department, "billing");
  EXPECT_EQ(waits[1].value_ms, 3000);
  EXPECT_EQ(waits[1].agent_id, "b1");
  EXPECT_EQ(of(t, measure::resolution)[0].department, "billing");
}

TEST(response_clock, requeue_without_department_keeps_the_current_one) {
  const auto t = measure_conversation(std::vector<clock_event>{
      joined(0, "sales"), assigned(10, "a1"), requeued(20), assigned(30, "a2")});
  EXPECT_EQ(of(t, measure::queue_wait)[1].department, "sales");
}

TEST(response_clock, closed_while_queued_is_missed_and_credited_to_nobody) {
  response_clock c;
  c.on_event(joined(0));
  c.on_event(visitor_says(100));
  const auto end = c.on_event(closed(60000));
  ASSERT_EQ(end.size(), 1u);
  expect_measure(end[0], measure::resolution, 60000, 60000, "", "sales");
  EXPECT_TRUE(c.times().missed);
  EXPECT_TRUE(c.times().closed);
  EXPECT_TRUE(of(c.times(), measure::queue_wait).empty());
}

TEST(response_clock, assigned_but_never_answered_is_missed) {
  const auto t = measure_conversation(
      std::vector<clock_event>{joined(0), assigned(10, "a1"), visitor_says(20), closed(30)});
  EXPECT_TRUE(t.missed);
  EXPECT_EQ(of(t, measure::resolution)[0].agent_id, "a1");
}

TEST(response_clock, system_messages_are_ignored) {
  const auto t = measure_conversation(std::vector<clock_event>{joined(0), assigned(10, "a1"),
                                                               visitor_says(20), system_says(30),
                                                               agent_says(100, "a1"), closed(200)});
  EXPECT_EQ(t.agent_messages, 1u);
  EXPECT_EQ(t.visitor_messages, 1u);
  EXPECT_EQ(of(t, measure::first_response)[0].value_ms, 90);
  EXPECT_EQ(of(t, measure::response)[0].value_ms, 80);

  const auto bot_only = measure_conversation(
      std::vector<clock_event>{joined(0), assigned(10, "a1"), system_says(20), closed(30)});
  EXPECT_TRUE(bot_only.missed);
  EXPECT_TRUE(of(bot_only, measure::first_response).empty());
}

TEST(response_clock, first_message_at_join_counts_queue_time_in_the_response) {
  const auto t = measure_conversation(std::vector<clock_event>{
      joined(1000), visitor_says(1000), assigned(31000, "a1"), agent_says(33000, "a1")});
  EXPECT_EQ(of(t, measure::response)[0].value_ms, 32000);
  EXPECT_EQ(of(t, measure::first_response)[0].value_ms, 2000);
}

TEST(response_clock, events_after_close_are_ignored) {
  response_clock c;
  c.on_event(joined(0));
  c.on_event(assigned(10, "a1"));
  c.on_event(closed(20));
  EXPECT_TRUE(c.on_event(agent_says(30, "a1")).empty());
  EXPECT_TRUE(c.on_event(closed(40)).empty());
  EXPECT_EQ(c.times().agent_messages, 0u);
  EXPECT_EQ(c.times().closed_at_ms, 20);
  EXPECT_TRUE(c.times().missed);
  EXPECT_EQ(c.times().measurements.size(), 2u);
}

TEST(response_clock, clock_skew_clamps_to_zero) {
  const auto t = measure_conversation(
      std::vector<clock_event>{joined(5000), assigned(4000, "a1"), visitor_says(6000),
                               agent_says(3900, "a1"), closed(4500)});
  for (const auto& m : t.measurements) EXPECT_EQ(m.value_ms, 0) << measure_name(m.what);
  EXPECT_EQ(t.measurements.size(), 4u);
}

TEST(response_clock, empty_conversation) {
  const auto t = measure_conversation({});
  EXPECT_TRUE(t.measurements.empty());
  EXPECT_FALSE(t.closed);
  EXPECT_FALSE(t.missed);
}

}  // namespace
}  // namespace lc::core
