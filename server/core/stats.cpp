#include "server/core/stats.hpp"

#include <algorithm>
#include <cmath>

namespace lc::core {

namespace {

// Nearest rank: the ceil(q*n)-th smallest value, so a percentile is always an observed sample.
double nearest_rank(const std::vector<double>& sorted, double q) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n);
  return sorted[rank - 1];
}

}  // namespace

summary summarize(std::vector<double> values) {
  summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.count = values.size();
  double total = 0;
  for (double v : values) total += v;
  s.mean = total / static_cast<double>(s.count);
  s.p50 = nearest_rank(values, 0.50);
  s.p90 = nearest_rank(values, 0.90);
  s.p99 = nearest_rank(values, 0.99);
  s.max = values.back();
  return s;
}

}  // namespace lc::core
