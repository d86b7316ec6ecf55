#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lc::core {

// Arrays and objects nested deeper than this are refused: the parser recurses, and no REST body
// needs more than a few levels.
inline constexpr int json_max_depth = 32;

// One value of a parsed JSON document (RFC 8259): null, bool, number, string, array or object.
// The accessors answer for the wrong kind too (false, 0, empty, nullptr), so a handler can
// check a field's kind and read it in one expression.
class json_value {
 public:
  enum class kind : std::uint8_t { null, boolean, number, string, array, object };
  // Objects keep their members in document order; keys are unique (the parser refuses repeats).
  using member = std::pair<std::string, json_value>;

  json_value() = default;  // null

  kind type() const { return kind_; }
  bool is_null() const { return kind_ == kind::null; }
  bool is_bool() const { return kind_ == kind::boolean; }
  bool is_number() const { return kind_ == kind::number; }
  bool is_string() const { return kind_ == kind::string; }
  bool is_array() const { return kind_ == kind::array; }
  bool is_object() const { return kind_ == kind::object; }

  bool as_bool() const { return kind_ == kind::boolean && bool_; }
  double as_double() const { return kind_ == kind::number ? number_ : 0.0; }
  // True when the number was written as an integer literal (no fraction, no exponent) that fits
  // in an int64: ids and counts must not pass through a double's 53 bits.
  bool is_integer() const { return kind_ == kind::number && integer_; }
  std::optional<std::int64_t> as_int64() const {
    return is_integer() ? std::optional<std::int64_t>(int_) : std::nullopt;
  }
  const std::string& as_string() const;
  const std::vector<json_value>& items() const;  // an array's elements
  const std::vector<member>& members() const;    // an object's members
  // The member named `key` of an object; nullptr when absent or when this is no object.
  const json_value* find(std::string_view key) const;

 private:
  friend class json_parser;

  kind kind_ = kind::null;
  bool bool_ = false;
  bool integer_ = false;
  double number_ = 0.0;
  std::int64_t int_ = 0;
  std::string string_;
  std::vector<json_value> items_;
  std::vector<member> members_;
};

// Parses one complete document from an untrusted client, strictly: no trailing commas, comments,
// leading zeros, NaN or Infinity, numbers a double cannot hold (1e400, 1e-400), unescaped control
// characters, invalid UTF-8 (after unescaping; lone surrogates included), duplicate keys, nesting
// past json_max_depth, or anything after the value but whitespace. Nothing on failure, with the
// reason and byte offset in `error`. The caller bounds the size.
std::optional<json_value> parse_json(std::string_view text, std::string* error = nullptr);

}  // namespace lc::core
