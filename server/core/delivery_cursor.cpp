#include "server/core/delivery_cursor.hpp"

#include <utility>

namespace lc::core {

delivery_cursor::delivery_cursor(std::uint64_t next_seq, bool open)
    : next_(next_seq == 0 ? 1 : next_seq), open_(open) {}

delivery_cursor::verdict delivery_cursor::offer(const livechat::v1::ChatEvent& event) {
  const auto seq = event.seq();
  if (seq < next_ || acked_ahead_.contains(seq) || held_.contains(seq)) return verdict::duplicate;
  if (!open_ || writes_ > 0 || seq > next_) {
    if (held_.size() < max_held) {
      held_.emplace(seq, event);
    } else {
      stale_ = true;  // dropped here, read back from the stream once there is room
    }
    return verdict::held;
  }
  ++next_;
  advance();
  return verdict::push;
}

std::optional<livechat::v1::ChatEvent> delivery_cursor::pop() {
  if (!open_ || writes_ > 0) return std::nullopt;
  while (!held_.empty()) {
    auto it = held_.begin();
    if (it->first < next_ || acked_ahead_.contains(it->first)) {
      held_.erase(it);
      continue;
    }
    if (it->first > next_) break;  // a gap: the stream fills it
    auto event = std::move(it->second);
    held_.erase(it);
    ++next_;
    advance();
    return event;
  }
  return std::nullopt;
}

void delivery_cursor::write_started() {
  ++writes_;
}

void delivery_cursor::write_finished(std::optional<std::uint64_t> acked_seq) {
  if (writes_ > 0) --writes_;
  if (!acked_seq) return;
  held_.erase(*acked_seq);
  if (*acked_seq == next_) {
    ++next_;
    advance();
  } else if (*acked_seq > next_) {
    acked_ahead_.insert(*acked_seq);
  }
}

void delivery_cursor::open(std::uint64_t next_seq, bool complete) {
  open_ = true;
  reading_ = false;
  if (next_seq > next_) next_ = next_seq;
  advance();
  if (!complete) stale_ = true;
}

std::optional<std::uint64_t> delivery_cursor::read_after() const {
  if (!open_ || reading_ || writes_ > 0 || !(stale_ || gap())) return std::nullopt;
  return next_ - 1;
}

void delivery_cursor::read_started() {
  reading_ = true;
  // A read from now on sees everything stored so far; if it stops short, read_finished says so.
  stale_ = false;
  gap_at_read_ = gap() ? held_.begin()->first : 0;
}

void delivery_cursor::read_finished(bool reached_end) {
  reading_ = false;
  if (!reached_end) {
    stale_ = true;
    return;
  }
  // The stream ended before an event that was already held when the read began: the seqs in
  // between are not in the stream (expired), and will never come. Skip them rather than read
  // forever. Events announced only after the read began prove nothing (see ARCHITECTURE.md).
  if (gap() && gap_at_read_ != 0 && held_.begin()->first <= gap_at_read_) {
    next_ = held_.begin()->first;
    advance();
  }
}

void delivery_cursor::read_failed() {
  reading_ = false;
  stale_ = true;
}

void delivery_cursor::advance() {
  while (!acked_ahead_.empty() && *acked_ahead_.begin() <= next_) {
    if (*acked_ahead_.begin() == next_) ++next_;
    acked_ahead_.erase(acked_ahead_.begin());
  }
}

}  // namespace lc::core
