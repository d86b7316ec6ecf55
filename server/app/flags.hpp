#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lc::app {

// One flag of a command line: "--name value", "--name=value", or a bare boolean "--name".
struct flag_arg {
  std::string name;
  std::optional<std::string> value;  // nothing for a bare boolean flag
};

// The result of splitting a command line into flags.
struct split_result {
  std::vector<flag_arg> flags;
  std::string error;  // a stray argument, or a flag that needs a value and has none
};

// A whole string of decimal digits as a number; nothing for a sign, spaces or trailing junk.
std::optional<std::uint64_t> parse_uint(std::string_view text);

// "a, b,,c" -> {"a", "b", "c"}: comma-separated items, blanks around them trimmed, empty ones
// dropped.
std::vector<std::string> split_list(std::string_view text);

// True when the command line asks for help (-h or --help anywhere).
bool wants_help(std::span<const std::string> args);

// Splits `args` into flags. A flag takes the next argument as its value unless that starts with
// "--" or `is_boolean(name)` says it takes none (an explicit "--name=value" always works).
// `help_hint` ends the error texts, e.g. "(see --help)".
split_result split_flags(std::span<const std::string> args,
                         const std::function<bool(std::string_view)>& is_boolean,
                         std::string_view help_hint);

}  // namespace lc::app
