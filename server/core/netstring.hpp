#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Netstrings without the trailing comma, "<len>:<bytes>" repeated: how the Functions library
// and the nodes pass a list of byte strings inside one Redis value (a message's fields in its
// stream entry and in a wake-up).
namespace lc::core {

void append_netstring(std::string& out, std::string_view item);

// The items, viewing `payload`; nothing when it is not a whole number of well-formed items.
std::optional<std::vector<std::string_view>> split_netstrings(std::string_view payload);

}  // namespace lc::core
