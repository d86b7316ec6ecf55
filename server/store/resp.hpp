#pragma once

#include <string>
#include <vector>

namespace lc::store {

// A command in RESP, as Redis reads it ("*<n>\r\n" then "$<len>\r\n<bytes>\r\n" per argument),
// built in one allocation: hiredis's printf-style formatter cost more per message than the rest
// of the command path (issue 10).
std::string resp_command(const std::vector<std::string>& args);

}  // namespace lc::store
