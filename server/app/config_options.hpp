#pragma once

#include <span>
#include <string>
#include <string_view>

#include "server/app/config.hpp"

namespace lc::app {

// One flag: its spelling, environment variable, help, and how it lands in the config.
struct option_spec {
  std::string_view flag;
  std::string_view env;
  std::string_view value_name;
  std::string_view help;
  std::string (*apply)(config&, const std::string&);  // error text or ""
  std::string (*show)(const config&);                 // the value, for "default ..." in help
};

// Every flag the server takes, in the order --help lists them.
std::span<const option_spec> option_table();

}  // namespace lc::app
