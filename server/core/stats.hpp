#pragma once

#include <cstddef>
#include <vector>

namespace lc::core {

// Count, mean and nearest-rank percentiles of a sample.
struct summary {
  std::size_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

summary summarize(std::vector<double> values);

}  // namespace lc::core
