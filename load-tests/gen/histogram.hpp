#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>

namespace lc::load {

// HDR-style log-linear latency histogram in microseconds: exact below 128 µs, then 64 buckets
// per power of two (< 1.6 % error) up to ~2^40 µs. Fixed size so merging across processes is a
// plain sum of bucket counts (bench.py does that with the same index formula).
class histogram {
 public:
  static constexpr int linear = 128;
  static constexpr int per_octave = 64;
  static constexpr int max_shift = 34;
  static constexpr int buckets = linear + max_shift * per_octave;

  static int index_of(std::uint64_t v) {
    if (v < static_cast<std::uint64_t>(linear)) return static_cast<int>(v);
    int msb = 63 - std::countl_zero(v);  // >= 7
    int shift = std::min(msb - 6, max_shift);
    std::uint64_t mant = std::min<std::uint64_t>(v >> shift, 127);  // [64, 127]
    return linear + (shift - 1) * per_octave + static_cast<int>(mant - 64);
  }

  // Upper edge of a bucket, so a percentile never under-reports.
  static std::uint64_t value_of(int idx) {
    if (idx < linear) return static_cast<std::uint64_t>(idx);
    int shift = (idx - linear) / per_octave + 1;
    std::uint64_t mant = static_cast<std::uint64_t>((idx - linear) % per_octave + 64);
    return ((mant + 1) << shift) - 1;
  }

  void record(std::int64_t v) {
    if (v < 0) v = 0;
    ++counts_[index_of(static_cast<std::uint64_t>(v))];
    ++total_;
    max_ = std::max<std::uint64_t>(max_, static_cast<std::uint64_t>(v));
  }

  std::uint64_t total() const { return total_; }
  std::uint64_t max() const { return max_; }

  std::uint64_t percentile(double p) const {
    if (total_ == 0) return 0;
    auto want = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(total_) + 0.5);
    want = std::max<std::uint64_t>(want, 1);
    std::uint64_t seen = 0;
    for (int i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= want) return std::min(value_of(i), max_);
    }
    return max_;
  }

  // Sparse JSON: {"total":N,"max":M,"b":[[idx,count],...]}.
  std::string json() const {
    std::string out =
        "{\"total\":" + std::to_string(total_) + ",\"max\":" + std::to_string(max_) + ",\"b\":[";
    bool first = true;
    for (int i = 0; i < buckets; ++i) {
      if (counts_[i] == 0) continue;
      if (!first) out += ',';
      first = false;
      out += '[' + std::to_string(i) + ',' + std::to_string(counts_[i]) + ']';
    }
    return out + "]}";
  }

 private:
  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace lc::load
