#include "server/core/ids.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace lc::core {

std::string random_id(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

std::string prefixed_id(char kind, std::size_t bytes) {
  // Built by appending: `"c" + string` trips GCC 12's -Wrestrict false positive.
  std::string id(1, kind);
  id += random_id(bytes);
  return id;
}

}  // namespace lc::core
