#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lc::store {

// Where Redis listens: a unix socket when unix_socket is set, else a numeric host and port;
// or, when sentinels are listed, whatever primary they report for master_name at connect time.
struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string unix_socket;
  std::vector<std::pair<std::string, std::uint16_t>> sentinels;  // numeric hosts
  std::string master_name;
};

}  // namespace lc::store
