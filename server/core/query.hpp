#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lc::core {

// An HTTP request target split into its decoded path and query parameters.
struct request_target {
  std::string path;
  std::map<std::string, std::string> params;  // last value wins
};

// Nothing when the target is not origin-form ("/...") or has a bad percent-escape.
std::optional<request_target> parse_target(std::string_view target);

// A count parameter: decimal digits only (no sign, blanks, exponent or suffix), 1..max.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max);

// Parses a time parameter: unix milliseconds, or an ISO-8601 UTC time "2026-11-24T10:00:00Z".
std::optional<std::int64_t> parse_time_ms(std::string_view text);

}  // namespace lc::core
