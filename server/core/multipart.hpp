#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lc::core {

// One file out of a multipart/form-data body (RFC 7578, as `curl -F file=@x` and a browser's
// FormData send it), read as the body streams in: the first part with a filename (or named
// "file") is the file, its bytes handed on as they arrive; other parts are skipped. Never holds
// more than one part head (8 KiB at most) and a delimiter's length of the body.
class multipart_reader {
 public:
  // The boundary from a Content-Type of multipart/form-data; nothing for any other type or a
  // boundary RFC 2046 does not allow (1..70 characters).
  static std::optional<std::string> boundary_of(std::string_view content_type);

  explicit multipart_reader(std::string_view boundary);

  // The next bytes of the body; the file's bytes among them are appended to `out`. False once
  // the body is malformed (no delimiter where one must be, a part head over 8 KiB).
  bool feed(std::string_view bytes, std::string& out);
  // The closing delimiter was read and the file found.
  bool complete() const { return state_ == state::done && found_; }
  // The file part's filename (as sent; clean it before use) and Content-Type.
  const std::string& filename() const { return filename_; }
  const std::string& part_type() const { return part_type_; }
  // The file part's head has been read (its name is known).
  bool file_started() const { return found_; }

 private:
  enum class state { preamble, head, body, after_delimiter, done, bad };
  bool parse_head(std::string_view head);

  std::string delimiter_;  // "\r\n--" + boundary
  std::string pending_;    // bytes not yet known to be outside a delimiter, or a part head
  state state_ = state::preamble;
  bool in_file_ = false;  // the part being read is the file
  bool found_ = false;
  std::string filename_, part_type_;
};

}  // namespace lc::core
