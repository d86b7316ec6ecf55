#pragma once

#include <string>
#include <vector>

#include "tests/support/redis_fixture.hpp"

namespace lc::test {

// Everything in the server's Redis that must agree with everything else, checked at rest: each
// conversation's state against the queues, its agent's set and its visitor; each queue and each
// agent's set against the conversations; no agent over max_capacity. One line per problem.
std::vector<std::string> redis_inconsistencies(redis_fixture& redis, unsigned long max_capacity);

}  // namespace lc::test
