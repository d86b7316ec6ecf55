#include "server/core/json.hpp"

#include <charconv>
#include <cmath>

namespace lc::core {

namespace {

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
          out += "\\u00";
          out.push_back(hex[u >> 4]);
          out.push_back(hex[u & 0x0F]);
        } else {
          out.push_back(c);  // UTF-8 bytes pass through: JSON text is UTF-8
        }
      }
    }
  }
  out.push_back('"');
}

template <typename T>
void append_number(std::string& out, T v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace

void json_writer::separate() {
  if (need_comma_) out_.push_back(',');
}

json_writer& json_writer::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  separate();
  append_quoted(out_, k);
  out_.push_back(':');
  // The value that follows belongs to this key: no comma before it.
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::value(std::string_view v) {
  separate();
  append_quoted(out_, v);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(std::int64_t v) {
  separate();
  append_number(out_, v);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(std::uint64_t v) {
  separate();
  append_number(out_, v);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(double v) {
  if (!std::isfinite(v)) return null();
  separate();
  // Shortest round-trip form: 3 stays "3", 0.1 stays "0.1".
  append_number(out_, v);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(bool v) {
  separate();
  out_ += v ? "true" : "false";
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_ += "null";
  need_comma_ = true;
  return *this;
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_quoted(out, s);
  return out;
}

std::string json_error(std::string_view code, std::string_view message) {
  json_writer w;
  w.begin_object().key("error").begin_object();
  w.key("code").value(code).key("message").value(message);
  w.end_object().end_object();
  return w.str();
}

}  // namespace lc::core
