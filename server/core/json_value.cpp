#include "server/core/json_value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "server/core/utf8.hpp"

namespace lc::core {

namespace {

const std::string empty_string;
const std::vector<json_value> empty_items;
const std::vector<json_value::member> empty_members;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  const auto put = [&](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
  if (cp < 0x80) return put(cp);
  if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
  }
  put(0x80 | (cp & 0x3F));
}

}  // namespace

const std::string& json_value::as_string() const {
  return kind_ == kind::string ? string_ : empty_string;
}

const std::vector<json_value>& json_value::items() const {
  return kind_ == kind::array ? items_ : empty_items;
}

const std::vector<json_value::member>& json_value::members() const {
  return kind_ == kind::object ? members_ : empty_members;
}

const json_value* json_value::find(std::string_view key) const {
  if (kind_ != kind::object) return nullptr;
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

// Recursive descent over the RFC 8259 grammar; the first error stops it and is kept.
class json_parser {
 public:
  explicit json_parser(std::string_view text) : text_(text) {}

  std::optional<json_value> document(std::string* error) {
    json_value out;
    skip_whitespace();
    if (value(out, 0)) {
      skip_whitespace();
      if (pos_ == text_.size()) return out;
      fail("unexpected data after the value");
    }
    if (error != nullptr) *error = std::string(error_) + " at byte " + std::to_string(pos_);
    return std::nullopt;
  }

 private:
  bool fail(const char* what) {
    error_ = what;
    return false;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  void skip_whitespace() {
    while (!at_end() && std::string_view(" \t\n\r").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool value(json_value& out, int depth) {
    if (at_end()) return fail("unexpected end of input");
    switch (text_[pos_]) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        out.kind_ = json_value::kind::string;
        return string(out.string_);
      case 't':
        out.kind_ = json_value::kind::boolean;
        out.bool_ = true;
        return literal("true");
      case 'f':
        out.kind_ = json_value::kind::boolean;
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number(out);
    }
  }

  bool object(json_value& out, int depth) {
    if (depth > json_max_depth) return fail("nesting too deep");
    out.kind_ = json_value::kind::object;
    ++pos_;  // '{'
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_whitespace();
      if (peek() != '"') return fail("expected a string key");
      std::string key;
      if (!string(key)) return false;
      skip_whitespace();
      if (peek() != ':') return fail("expected ':'");
      ++pos_;
      skip_whitespace();
      json_value v;
      if (!value(v, depth)) return false;
      out.members_.emplace_back(std::move(key), std::move(v));
      skip_whitespace();
      if (peek() == '}') break;
      if (peek() != ',') return fail("expected ',' or '}'");
      ++pos_;
    }
    ++pos_;
    // Parsers disagree on which of two equal keys wins, so a body that means one thing to a proxy
    // or validator and another to us is refused outright. Sorted, so many keys stay cheap.
    std::vector<std::string_view> keys;
    keys.reserve(out.members_.size());
    for (const auto& m : out.members_) keys.emplace_back(m.first);
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
      --pos_;
      return fail("duplicate key");
    }
    return true;
  }

  bool array(json_value& out, int depth) {
    if (depth > json_max_depth) return fail("nesting too deep");
    out.kind_ = json_value::kind::array;
    ++pos_;  // '['
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_whitespace();
      json_value item;
      if (!value(item, depth)) return false;
      out.items_.push_back(std::move(item));
      skip_whitespace();
      if (peek() == ']') break;
      if (peek() != ',') return fail("expected ',' or ']'");
      ++pos_;
    }
    ++pos_;
    return true;
  }

  // Four hex digits after "\u", as a UTF-16 code unit.
  bool hex4(std::uint32_t& unit) {
    if (text_.size() - pos_ < 4) return fail("truncated \\u escape");
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(text_[pos_ + i]);
      if (d < 0) return fail("invalid \\u escape");
      unit = (unit << 4) | static_cast<std::uint32_t>(d);
    }
    pos_ += 4;
    return true;
  }

  bool escape(std::string& out) {
    static constexpr std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
    const char c = peek();
    if (const auto i = from.find(c); i != std::string_view::npos) {
      out.push_back(to[i]);
      ++pos_;
      return true;
    }
    if (c != 'u') return fail("invalid escape");
    ++pos_;
    std::uint32_t unit = 0;
    if (!hex4(unit)) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return fail("lone low surrogate");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      std::uint32_t low = 0;
      if (text_.substr(pos_, 2) != "\\u") return fail("lone high surrogate");
      pos_ += 2;
      if (!hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return fail("lone high surrogate");
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, unit);
    return true;
  }

  bool string(std::string& out) {
    const std::size_t start = pos_;
    ++pos_;  // '"'
    for (;;) {
      if (at_end()) return fail("unterminated string");
      const char c = text_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      ++pos_;
      if (c == '\\') {
        if (!escape(out)) return false;
      } else {
        out.push_back(c);
      }
    }
    ++pos_;
    // Escapes are encoded correctly above, so invalid UTF-8 here came in raw.
    if (!is_valid_utf8(out)) {
      pos_ = start;
      return fail("invalid UTF-8 in string");
    }
    return true;
  }

  bool number(json_value& out) {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) return fail("leading zero in number");
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++pos_;
    } else {
      return fail(pos_ == start ? "unexpected character" : "invalid number");
    }
    bool integral = true;
    if (peek() == '.') {
      integral = false;
      ++pos_;
      if (!is_digit(peek())) return fail("invalid number");
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) return fail("invalid number");
      while (is_digit(peek())) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    out.kind_ = json_value::kind::number;
    // from_chars reads exactly the grammar checked above and reports overflow instead of
    // returning infinity, so no non-finite value gets in.
    const auto res = std::from_chars(first, last, out.number_);
    if (res.ec != std::errc() || res.ptr != last || !std::isfinite(out.number_)) {
      pos_ = start;
      return fail("number out of range");
    }
    if (integral) {
      const auto ires = std::from_chars(first, last, out.int_);
      out.integer_ = ires.ec == std::errc() && ires.ptr == last;
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  const char* error_ = "invalid JSON";
};

std::optional<json_value> parse_json(std::string_view text, std::string* error) {
  return json_parser(text).document(error);
}

}  // namespace lc::core
