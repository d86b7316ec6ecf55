#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "livechat/v1/livechat.pb.h"

namespace lc::core {

// Where one connection stands in one conversation's event stream, and what to do with each
// event that reaches it: live from Pub/Sub, or read back from the stream. Pure: no I/O. It keeps
// the delivery promise for that connection:
//   - every event is pushed exactly once and in seq order;
//   - an event the connection wrote itself reaches it as the Ack of its write, not as an event,
//     and nothing after it is pushed before that Ack (so a client's contiguous view never has a
//     hole that its own Ack fills later);
//   - a gap (a missed wake-up, a follow that just began) is filled by reading the stream, at
//     most one read at a time and never while an own write is in flight.
// The caller pushes what offer() and pop() hand it, and runs the reads read_after() asks for.
class delivery_cursor {
 public:
  // What offer() decided about one event.
  enum class verdict {
    push,       // send it now (it was next); then drain pop()
    held,       // kept until what comes before it is settled (a write in flight, a gap)
    duplicate,  // pushed already, or delivered as an Ack: drop it
  };

  // next_seq: the first seq the connection has not seen. The stream is read once before
  // anything is taken for granted: events written before the follow began were never announced
  // to it. A cursor that is not `open` holds everything until open() (an agent's Assigned must
  // reach the console before any event of the conversation).
  explicit delivery_cursor(std::uint64_t next_seq = 1, bool open = true);

  verdict offer(const livechat::v1::ChatEvent& event);
  // The next held event that may be pushed now, in seq order; nothing when none is.
  std::optional<livechat::v1::ChatEvent> pop();

  // A write of this connection to the conversation (a message) was sent to the store / came
  // back. acked_seq: the seq its Ack carries; nothing when it failed (an event it may still
  // have stored is then pushed like anyone else's, so the client learns of it).
  void write_started();
  void write_finished(std::optional<std::uint64_t> acked_seq);

  // The first read of a cursor that is not open went out another way (an Assigned carrying a
  // history page): it ends that read, and events before next_seq count as delivered.
  // `complete`: the page reached the end of the stream. read_started() begins that read.
  void open(std::uint64_t next_seq, bool complete);

  // Reading the stream: the seq to read after, when a read is due and may start now.
  std::optional<std::uint64_t> read_after() const;
  void read_started();
  // The page's events were offered; `reached_end`: it returned fewer than asked, so the stream
  // held nothing more when it was read.
  void read_finished(bool reached_end);
  void read_failed();
  // Wake-ups may have been lost (Pub/Sub reconnected): read the stream again.
  void mark_stale() { stale_ = true; }

  // pop() would hand out (or drop) a held event now.
  bool ready() const {
    return open_ && writes_ == 0 && !held_.empty() && held_.begin()->first <= next_;
  }
  std::uint64_t next_seq() const { return next_; }
  bool is_open() const { return open_; }
  std::size_t held_count() const { return held_.size(); }
  // Nothing to read, nothing held, no write in flight: the connection is up to date.
  bool settled() const { return !stale_ && held_.empty() && writes_ == 0 && !reading_; }

  // Events kept while waiting beyond this are dropped and read back from the stream later, so
  // one connection's memory stays bounded whatever the traffic.
  static constexpr std::size_t max_held = 256;

 private:
  void advance();  // past next_, and past seqs the connection already has as Acks
  bool gap() const { return !held_.empty() && held_.begin()->first > next_; }

  std::uint64_t next_;
  std::map<std::uint64_t, livechat::v1::ChatEvent> held_;
  std::set<std::uint64_t> acked_ahead_;  // own seqs acknowledged before next_ reached them
  std::uint64_t gap_at_read_ = 0;        // first held seq past a gap when the read began
  std::uint32_t writes_ = 0;
  bool open_;
  bool stale_ = true;
  bool reading_ = false;
};

}  // namespace lc::core
