#include "server/store/reply.hpp"

#include <charconv>

namespace lc::store {

std::int64_t reply::as_int() const {
  if (type == kind::integer) return integer;
  if (type == kind::string || type == kind::status) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
    if (ec == std::errc()) return v;
  }
  return 0;
}

std::string reply::as_string() const {
  if (type == kind::integer) return std::to_string(integer);
  if (type == kind::string || type == kind::status) return str;
  return {};
}

}  // namespace lc::store
