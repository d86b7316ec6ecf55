#pragma once

#include "server/core/metrics.hpp"

namespace lc::service {

// Declares every metric family the service exports on /metrics (names, help, buckets).
void declare_metrics(core::metrics_registry& m);

}  // namespace lc::service
