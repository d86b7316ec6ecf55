#include "server/store/resp.hpp"

#include <charconv>

namespace lc::store {

namespace {

void append_count(std::string& out, char kind, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out += kind;
  out.append(digits, end);
  out += "\r\n";
}

}  // namespace

std::string resp_command(const std::vector<std::string>& args) {
  std::size_t size = 16;
  for (const auto& a : args) size += a.size() + 16;
  std::string out;
  out.reserve(size);
  append_count(out, '*', args.size());
  for (const auto& a : args) {
    append_count(out, '$', a.size());
    out += a;
    out += "\r\n";
  }
  return out;
}

}  // namespace lc::store
