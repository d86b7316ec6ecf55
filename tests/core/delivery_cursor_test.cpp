// The delivery decision, step by step, without sockets or Redis: each test feeds a cursor the
// inputs one connection sees (wake-ups, stream pages, its own writes) in one interleaving and
// checks exactly what would reach the client.
#include "server/core/delivery_cursor.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lc::core {
namespace {

namespace pb = livechat::v1;
using verdict = delivery_cursor::verdict;

pb::ChatEvent ev(std::uint64_t seq) {
  pb::ChatEvent e;
  e.set_seq(seq);
  e.set_text("m" + std::to_string(seq));
  return e;
}

// What the client would receive: pushed seqs, in order.
struct client {
  delivery_cursor& c;
  std::vector<std::uint64_t> got{};

  verdict offer(std::uint64_t seq) {
    auto v = c.offer(ev(seq));
    if (v == verdict::push) got.push_back(seq);
    drain();
    return v;
  }
  void drain() {
    while (auto e = c.pop()) got.push_back(e->seq());
  }
  // A stream read of `seqs` (what XRANGE returned), asked for `asked` entries.
  void read(std::vector<std::uint64_t> seqs, std::size_t asked = 500) {
    ASSERT_TRUE(c.read_after().has_value());
    c.read_started();
    for (auto s : seqs) offer(s);
    c.read_finished(seqs.size() < asked);
    drain();
  }
};

TEST(DeliveryCursor, NewCursorReadsTheStreamBeforeAnythingElse) {
  delivery_cursor c(3);
  EXPECT_EQ(c.read_after(), 2u);
  client cl{c};
  cl.read({3, 4});
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_FALSE(c.read_after().has_value());
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, InOrderEventsArePushedAtOnceAndRepeatsDropped) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({});
  EXPECT_EQ(cl.offer(1), verdict::push);
  EXPECT_EQ(cl.offer(2), verdict::push);
  EXPECT_EQ(cl.offer(2), verdict::duplicate);
  EXPECT_EQ(cl.offer(1), verdict::duplicate);
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(c.next_seq(), 3u);
}

TEST(DeliveryCursor, AGapIsHeldAndFilledFromTheStreamInOrder) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({});
  cl.offer(1);
  EXPECT_EQ(cl.offer(4), verdict::held);  // 2 and 3 were announced elsewhere or lost
  EXPECT_EQ(c.read_after(), 1u);
  c.read_started();
  EXPECT_EQ(cl.offer(5), verdict::held);  // live, while the read runs
  EXPECT_FALSE(c.read_after().has_value()) << "one read at a time";
  for (auto s : {2, 3, 4}) cl.offer(s);
  c.read_finished(true);
  cl.drain();
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, LiveEventAtTheHeadIsPushedDuringAReadAndTheReadCopyDropped) {
  delivery_cursor c(1);
  client cl{c};
  ASSERT_TRUE(c.read_after());
  c.read_started();
  EXPECT_EQ(cl.offer(1), verdict::push);
  EXPECT_EQ(cl.offer(1), verdict::duplicate);  // the page has it too
  EXPECT_EQ(cl.offer(2), verdict::push);
  c.read_finished(true);
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{1, 2}));
}

// The fault test once delivered seq 26 before 25: the connection's own message 25 was written
// (its Ack still on the way, on the command connection) when the agent's 26 arrived on Pub/Sub.
// 26 went out at once; the client, lacking 25, kept resuming from 24 and saw 26 twice.
TEST(DeliveryCursor, NothingOvertakesTheAckOfAnOwnWrite) {
  delivery_cursor c(25);
  client cl{c};
  cl.read({});
  c.write_started();                       // SendMessage -> lc_post, in flight
  EXPECT_EQ(cl.offer(25), verdict::held);  // own event, woken before the reply
  EXPECT_EQ(cl.offer(26), verdict::held);  // the agent's answer
  EXPECT_TRUE(cl.got.empty());
  EXPECT_FALSE(c.read_after().has_value()) << "no read while the write may fill the gap";
  c.write_finished(25);  // the Ack for 25 goes out now ...
  cl.drain();            // ... and only then 26
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{26}));
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, OwnEventWokenAfterItsAckIsADuplicate) {
  delivery_cursor c(25);
  client cl{c};
  cl.read({});
  c.write_started();
  c.write_finished(25);
  EXPECT_EQ(cl.offer(25), verdict::duplicate);
  EXPECT_EQ(cl.offer(26), verdict::push);
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{26}));
}

TEST(DeliveryCursor, AgentAnswerBeforeOwnEventStillWaitsForTheAck) {
  delivery_cursor c(25);
  client cl{c};
  cl.read({});
  c.write_started();
  EXPECT_EQ(cl.offer(26), verdict::held);  // 26 woken first, 25 not at all yet
  c.write_finished(25);
  cl.drain();
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{26}));
  EXPECT_EQ(cl.offer(25), verdict::duplicate);
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, AnAckAheadOfUndeliveredEventsIsSkippedWhenTheyArrive) {
  delivery_cursor c(23);
  client cl{c};
  cl.read({});
  c.write_started();
  c.write_finished(25);  // 23 and 24 not seen yet
  EXPECT_EQ(c.next_seq(), 23u);
  cl.offer(24);  // gap at 23: held
  EXPECT_EQ(c.read_after(), 22u);
  cl.read({23, 24, 25, 26});
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{23, 24, 26})) << "25 came as the Ack";
  EXPECT_EQ(c.next_seq(), 27u);
}

TEST(DeliveryCursor, AFailedWriteLetsItsStoredEventThroughAsAnEvent) {
  delivery_cursor c(25);
  client cl{c};
  cl.read({});
  c.write_started();
  EXPECT_EQ(cl.offer(25), verdict::held);
  c.write_finished(std::nullopt);  // timed out after Redis stored it: no Ack was sent
  cl.drain();
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{25}));
}

TEST(DeliveryCursor, ARetriedWriteAckingAnAlreadyPushedSeqChangesNothing) {
  delivery_cursor c(25);
  client cl{c};
  cl.read({});
  cl.offer(25);  // the client's own message, pushed because its first write failed
  c.write_started();
  c.write_finished(25);  // the retry: duplicate Ack with the original seq
  EXPECT_EQ(c.next_seq(), 26u);
  EXPECT_EQ(cl.offer(26), verdict::push);
}

TEST(DeliveryCursor, AClosedCursorHoldsEverythingUntilOpenedPastItsHistory) {
  delivery_cursor c(1, /*open=*/false);
  client cl{c};
  EXPECT_FALSE(c.read_after().has_value()) << "the Assigned read is the first read";
  c.read_started();
  EXPECT_EQ(cl.offer(5), verdict::held);  // announced while the history is read
  EXPECT_EQ(cl.offer(6), verdict::held);
  EXPECT_TRUE(cl.got.empty());
  c.open(6, /*complete=*/true);  // the Assigned carried 1..5
  cl.drain();
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{6}));
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, AHistoryPageThatDidNotReachTheEndIsContinuedByReads) {
  delivery_cursor c(1, false);
  client cl{c};
  c.read_started();
  c.open(101, /*complete=*/false);  // Assigned carried 1..100 of 150
  EXPECT_EQ(c.read_after(), 100u);
  std::vector<std::uint64_t> rest;
  for (std::uint64_t s = 101; s <= 150; ++s) rest.push_back(s);
  cl.read(rest, 100);
  EXPECT_EQ(cl.got, rest);
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, APageThatStopsShortOfTheEndAsksForTheNextOne) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({1, 2, 3}, 3);
  EXPECT_EQ(c.read_after(), 3u);
  cl.read({4}, 3);
  EXPECT_FALSE(c.read_after().has_value());
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST(DeliveryCursor, AFailedReadIsRetriedLater) {
  delivery_cursor c(1);
  c.read_started();
  c.read_failed();
  EXPECT_EQ(c.read_after(), 0u);
}

TEST(DeliveryCursor, ResubscribingMakesASettledCursorReadAgain) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({1});
  EXPECT_FALSE(c.read_after());
  c.mark_stale();
  EXPECT_EQ(c.read_after(), 1u);
}

TEST(DeliveryCursor, HeldEventsAreBoundedAndTheOverflowIsReadBack) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({});
  c.write_started();
  for (std::uint64_t s = 1; s <= delivery_cursor::max_held + 10; ++s) cl.offer(s);
  EXPECT_EQ(c.held_count(), delivery_cursor::max_held);
  c.write_finished(std::nullopt);
  cl.drain();
  EXPECT_EQ(cl.got.size(), delivery_cursor::max_held);
  ASSERT_TRUE(c.read_after());
  std::vector<std::uint64_t> rest;
  for (std::uint64_t s = delivery_cursor::max_held + 1; s <= delivery_cursor::max_held + 10; ++s) {
    rest.push_back(s);
  }
  cl.read(rest);
  EXPECT_EQ(cl.got.size(), delivery_cursor::max_held + 10);
  for (std::size_t i = 0; i < cl.got.size(); ++i) EXPECT_EQ(cl.got[i], i + 1);
}

TEST(DeliveryCursor, SeqsMissingFromTheStreamAreSkippedAfterAReadThatSawThemMissing) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({});
  cl.offer(1);
  cl.offer(4);  // 2 and 3 expired from the stream
  cl.read({4});
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{1, 4}));
  EXPECT_TRUE(c.settled());
}

TEST(DeliveryCursor, EventsAnnouncedDuringAReadDoNotProveAHole) {
  delivery_cursor c(1);
  client cl{c};
  cl.read({});
  cl.offer(1);
  c.mark_stale();
  c.read_started();  // the read sees the stream up to 1
  cl.offer(3);       // 2 and 3 written after the read ran; only 3 announced here
  c.read_finished(true);
  EXPECT_TRUE(cl.got == std::vector<std::uint64_t>({1})) << "2 was not skipped";
  EXPECT_EQ(c.read_after(), 1u);
  cl.read({2, 3});
  EXPECT_EQ(cl.got, (std::vector<std::uint64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace lc::core
