// A REST request body as a client sends it: any bytes, parsed as JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/core/json.hpp"
#include "server/core/json_value.hpp"
#include "server/core/utf8.hpp"

namespace {

using lc::core::json_value;

void write(lc::core::json_writer& w, const json_value& v) {
  switch (v.type()) {
    case json_value::kind::null:
      w.null();
      break;
    case json_value::kind::boolean:
      w.value(v.as_bool());
      break;
    case json_value::kind::number:
      if (v.is_integer()) {
        w.value(*v.as_int64());
      } else {
        w.value(v.as_double());
      }
      break;
    case json_value::kind::string:
      if (!lc::core::is_valid_utf8(v.as_string())) __builtin_trap();
      w.value(v.as_string());
      break;
    case json_value::kind::array:
      w.begin_array();
      for (const auto& item : v.items()) write(w, item);
      w.end_array();
      break;
    case json_value::kind::object:
      w.begin_object();
      for (const auto& [key, member] : v.members()) {
        if (!lc::core::is_valid_utf8(key)) __builtin_trap();
        w.key(key);
        write(w, member);
      }
      w.end_object();
      break;
  }
}

bool same(const json_value& a, const json_value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json_value::kind::null:
      return true;
    case json_value::kind::boolean:
      return a.as_bool() == b.as_bool();
    case json_value::kind::number:
      return a.as_double() == b.as_double() && (!a.is_integer() || a.as_int64() == b.as_int64());
    case json_value::kind::string:
      return a.as_string() == b.as_string();
    case json_value::kind::array:
      if (a.items().size() != b.items().size()) return false;
      for (std::size_t i = 0; i < a.items().size(); ++i) {
        if (!same(a.items()[i], b.items()[i])) return false;
      }
      return true;
    case json_value::kind::object:
      if (a.members().size() != b.members().size()) return false;
      for (std::size_t i = 0; i < a.members().size(); ++i) {
        if (a.members()[i].first != b.members()[i].first) return false;
        if (!same(a.members()[i].second, b.members()[i].second)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = lc::core::parse_json(text);
  if (!parsed) return 0;
  // What was accepted, written back by json_writer, parses again to the same value: the parser
  // and the writer agree on every document the parser lets through.
  lc::core::json_writer w;
  write(w, *parsed);
  auto again = lc::core::parse_json(w.str());
  if (!again || !same(*parsed, *again)) __builtin_trap();
  return 0;
}
