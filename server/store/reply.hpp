#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lc::store {

// A Redis reply copied out of hiredis, so nothing above the adapter sees hiredis types.
struct reply {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  std::int64_t integer = 0;
  std::string str;  // string, status and error replies
  std::vector<reply> elements;

  bool is_nil() const { return type == kind::nil; }
  bool is_error() const { return type == kind::error; }
  bool is_array() const { return type == kind::array; }
  // The integer, or a string reply parsed as one; 0 otherwise.
  std::int64_t as_int() const;
  // The string form of strings, statuses and integers; "" otherwise.
  std::string as_string() const;
};

}  // namespace lc::store
