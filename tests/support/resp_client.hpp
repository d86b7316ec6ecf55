#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace lc::test {

// One RESP2 reply, structured so tests can assert on type and content.
struct resp_value {
  enum class kind { simple, error, integer, bulk, nil, array };
  kind type = kind::nil;
  std::string text{};                  // simple string, error message or bulk string
  std::int64_t integer = 0;            // integer replies
  std::vector<resp_value> elements{};  // arrays

  bool is_nil() const { return type == kind::nil; }
  bool is_error() const { return type == kind::error; }
  // Rendered on one line: text as is, integers in decimal, "(nil)", "(error) MSG", arrays as
  // "[a, b, (nil)]".
  std::string to_string() const;
  // Array elements rendered one by one; a nil is an empty list, anything else one element.
  std::vector<std::string> to_list() const;
};

// A blocking RESP client over a plain socket, for inspecting Redis from tests without hiredis.
class resp_client {
 public:
  // `unix_socket` non-empty wins over host/port. Throws std::runtime_error when unreachable.
  resp_client(const std::string& host, std::uint16_t port, const std::string& unix_socket = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(5));
  resp_client(resp_client&& other) noexcept;
  resp_client& operator=(resp_client&&) = delete;
  resp_client(const resp_client&) = delete;
  resp_client& operator=(const resp_client&) = delete;
  ~resp_client();

  // Sends one command and waits for its reply. Redis errors come back as kind::error; I/O
  // failures and timeouts throw std::runtime_error.
  resp_value call(const std::vector<std::string>& args);
  resp_value call(std::initializer_list<std::string> args) {
    return call(std::vector<std::string>(args));
  }

 private:
  resp_value read_value();
  void fill();

  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
};

// Encodes a command as a RESP array of bulk strings.
std::string encode_command(const std::vector<std::string>& args);

// Parses one complete reply from `data` starting at `pos`; nothing (pos untouched) when the
// data is incomplete. Throws std::runtime_error on a protocol error.
std::optional<resp_value> parse_reply(const std::string& data, std::size_t& pos);

}  // namespace lc::test
