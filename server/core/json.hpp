#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lc::core {

// Minimal streaming JSON writer for REST replies; inserts commas itself.
class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(std::int64_t v);
  json_writer& value(std::uint64_t v);
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  json_writer& value(double v);  // non-finite values are written as null
  json_writer& value(bool v);
  json_writer& null();

  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

// `s` as a JSON string literal, with quotes; control characters escaped as \u00XX.
std::string json_quote(std::string_view s);

// {"error":{"code":"...","message":"..."}}
std::string json_error(std::string_view code, std::string_view message);

}  // namespace lc::core
