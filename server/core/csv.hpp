#pragma once

#include <string>
#include <string_view>

namespace lc::core {

// One CSV cell (RFC 4180 quoting) that a spreadsheet shows as text: a value starting with
// = + - @ tab or CR would otherwise run as a formula, so it gets a leading apostrophe (the OWASP
// advice for CSV injection).
std::string csv_cell(std::string_view value);

}  // namespace lc::core
