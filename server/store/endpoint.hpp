#pragma once

#include <cstdint>
#include <string>

namespace lc::store {

// Where Redis listens: a unix socket when unix_socket is set, else a numeric host and port.
struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string unix_socket;
};

}  // namespace lc::store
