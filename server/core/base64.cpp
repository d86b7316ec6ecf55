#include "server/core/base64.hpp"

namespace lc::core {

std::string base64_encode(std::string_view in) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(in[i]) << 16U) |
                   (static_cast<unsigned char>(in[i + 1]) << 8U) |
                   static_cast<unsigned char>(in[i + 2]);
    out.push_back(alphabet[(n >> 18U) & 63U]);
    out.push_back(alphabet[(n >> 12U) & 63U]);
    out.push_back(alphabet[(n >> 6U) & 63U]);
    out.push_back(alphabet[n & 63U]);
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16U;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8U;
    out.push_back(alphabet[(n >> 18U) & 63U]);
    out.push_back(alphabet[(n >> 12U) & 63U]);
    out.push_back(i + 1 < in.size() ? alphabet[(n >> 6U) & 63U] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace lc::core
