#include "server/app/flags.hpp"

#include <charconv>

namespace lc::app {

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool wants_help(std::span<const std::string> args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

split_result split_flags(std::span<const std::string> args,
                         const std::function<bool(std::string_view)>& is_boolean,
                         std::string_view help_hint) {
  split_result out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      out.error = "unexpected argument '" + arg + "' " + std::string(help_hint);
      return out;
    }
    auto eq = arg.find('=');
    flag_arg f{arg.substr(0, eq), std::nullopt};
    if (eq != std::string::npos) {
      f.value = arg.substr(eq + 1);
    } else if (is_boolean && is_boolean(f.name)) {
      // bare boolean
    } else if (i + 1 < args.size() && args[i + 1].compare(0, 2, "--") != 0) {
      f.value = args[++i];
    } else {
      out.error = f.name + " requires a value";
      return out;
    }
    out.flags.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    auto end = text.find(',', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(begin, end - begin);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    begin = end + 1;
  }
  return out;
}

}  // namespace lc::app
