// A Pub/Sub payload: written by the Functions library, but its fields carry client strings
// (names, texts), so the decoder must take any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/store/wakeup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)lc::store::decode_wakeup(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
