#include "server/core/multipart.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "server/core/ascii.hpp"

namespace lc::core {

namespace {

constexpr std::size_t max_head_bytes = 8UL * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "form-data; name=\"a\"; filename=\"b c.png\"" into its value and (lower-cased name, value)
// parameters; quoted values unquoted (a backslash escapes the next character).
std::vector<std::pair<std::string, std::string>> parameters(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    const auto eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string name = ascii_lower(trim(value.substr(i, eq - i)));
    std::string v;
    std::size_t j = eq + 1;
    while (j < value.size() && value[j] == ' ') ++j;
    if (j < value.size() && value[j] == '"') {
      for (++j; j < value.size() && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v.push_back(value[j]);
      }
      i = value.find(';', j);
    } else {
      const auto end = value.find(';', j);
      v = std::string(trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    out.emplace_back(name, std::move(v));
  }
  return out;
}

bool boundary_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> multipart_reader::boundary_of(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (ascii_lower(trim(content_type.substr(0, semi))) != "multipart/form-data") return std::nullopt;
  for (auto& [name, value] : parameters(content_type)) {
    if (name != "boundary") continue;
    if (value.empty() || value.size() > 70 || value.back() == ' ' ||
        !std::all_of(value.begin(), value.end(), boundary_char)) {
      return std::nullopt;
    }
    return value;
  }
  return std::nullopt;
}

multipart_reader::multipart_reader(std::string_view boundary)
    : delimiter_("\r\n--" + std::string(boundary)),
      // As if the body began after a line break: a first delimiter at its very start matches.
      pending_("\r\n") {}

bool multipart_reader::parse_head(std::string_view head) {
  std::string name;
  bool has_filename = false;
  std::string filename, type;
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const auto line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto field = ascii_lower(trim(line.substr(0, colon)));
    const auto value = trim(line.substr(colon + 1));
    if (field == "content-disposition") {
      for (auto& [k, v] : parameters(value)) {
        if (k == "name") name = v;
        if (k == "filename") {
          has_filename = true;
          filename = v;
        }
      }
    } else if (field == "content-type") {
      type = std::string(value);
    }
  }
  if (!has_filename && name != "file") return false;
  filename_ = filename.empty() ? name : filename;
  part_type_ = type;
  return true;
}

bool multipart_reader::feed(std::string_view bytes, std::string& out) {
  if (state_ == state::bad) return false;
  if (state_ == state::done) return true;  // the epilogue: ignored
  pending_.append(bytes);
  const std::size_t keep = delimiter_.size() - 1;
  for (;;) {
    switch (state_) {
      case state::preamble:
      case state::body: {
        const auto at = pending_.find(delimiter_);
        const auto flush =
            at == std::string::npos ? (pending_.size() > keep ? pending_.size() - keep : 0) : at;
        if (state_ == state::body && in_file_) out.append(pending_, 0, flush);
        if (at == std::string::npos) {
          pending_.erase(0, flush);
          return true;
        }
        pending_.erase(0, at + delimiter_.size());
        in_file_ = false;
        state_ = state::after_delimiter;
        break;
      }
      case state::after_delimiter: {
        // Transport padding (spaces, tabs) may follow a delimiter, then CRLF or the final "--".
        const auto first = pending_.find_first_not_of(" \t");
        if (first == std::string::npos || pending_.size() - first < 2) return true;
        if (pending_.compare(first, 2, "--") == 0) {
          state_ = state::done;
          pending_.clear();
          return true;
        }
        if (pending_.compare(first, 2, "\r\n") != 0) {
          state_ = state::bad;
          return false;
        }
        pending_.erase(0, first + 2);
        state_ = state::head;
        break;
      }
      case state::head: {
        // A part with no header lines at all: its head is the empty line alone.
        const bool bare = pending_.compare(0, 2, "\r\n") == 0;
        const auto end = bare ? 0 : pending_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending_.size() > max_head_bytes) {
            state_ = state::bad;
            return false;
          }
          return true;
        }
        if (end > max_head_bytes) {
          state_ = state::bad;
          return false;
        }
        const std::string head = bare ? std::string() : pending_.substr(0, end + 2);
        pending_.erase(0, bare ? 2 : end + 4);
        // Only the first file counts: a second one is skipped like any other field.
        std::string saved_name = filename_, saved_type = part_type_;
        const bool file = !found_ && parse_head(head);
        if (!file) {
          filename_ = std::move(saved_name);
          part_type_ = std::move(saved_type);
        }
        in_file_ = file;
        found_ = found_ || file;
        state_ = state::body;
        break;
      }
      case state::done:
      case state::bad:
        return state_ == state::done;
    }
  }
}

}  // namespace lc::core
