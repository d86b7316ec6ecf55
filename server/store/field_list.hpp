#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lc::store {

// A Redis hash or stream entry as name/value pairs, in the order Redis gave them.
using field_list = std::vector<std::pair<std::string, std::string>>;

}  // namespace lc::store
