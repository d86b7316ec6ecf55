#include "server/store/command.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lc::store {

namespace asio = boost::asio;
namespace pb = livechat::v1;

pb::ErrorCode error_code_from_reply(const std::string& text) {
  auto word = text.substr(0, text.find(' '));
  if (word == "NOT_FOUND") return pb::ERROR_CODE_NOT_FOUND;
  if (word == "CONFLICT") return pb::ERROR_CODE_CONFLICT;
  if (word == "FORBIDDEN") return pb::ERROR_CODE_FORBIDDEN;
  if (word == "INVALID") return pb::ERROR_CODE_INVALID_ARGUMENT;
  if (word == "FENCED") return pb::ERROR_CODE_UNAVAILABLE;
  if (word == "LIMITED") return pb::ERROR_CODE_RATE_LIMITED;
  return pb::ERROR_CODE_INTERNAL;
}

namespace detail {

namespace {

// The command is formatted into hiredis's buffer when the operation starts, so `args` need only
// live until then (the caller's coroutine frame holds it).
template <class Token>
auto async_exec(redis_connection& conn, const std::vector<std::string>& args, Token&& token) {
  return asio::async_initiate<Token, void(std::error_code, reply)>(
      [&conn, &args](auto handler) {
        // std::function needs a copyable target; the handler is move-only.
        auto h = std::make_shared<std::decay_t<decltype(handler)>>(std::move(handler));
        conn.exec(args, [h](std::error_code ec, reply r) { (*h)(ec, std::move(r)); });
      },
      token);
}

}  // namespace

task<reply> run(redis_connection& conn, std::vector<std::string> args) {
  auto [ec, r] = co_await async_exec(conn, args, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    throw store_error(pb::ERROR_CODE_UNAVAILABLE, ec == std::errc::timed_out
                                                      ? "storage timed out, retry"
                                                      : "storage unavailable, retry");
  }
  if (r.is_error()) {
    auto code = error_code_from_reply(r.str);
    auto space = r.str.find(' ');
    throw store_error(code, code == pb::ERROR_CODE_INTERNAL || space == std::string::npos
                                ? "storage error"
                                : r.str.substr(space + 1));
  }
  co_return r;
}

namespace {

std::vector<std::string> fcall_command(const char* function, std::vector<std::string> args,
                                       const std::string* node, const std::string* epoch) {
  std::vector<std::string> full;
  full.reserve(args.size() + 5);
  full.emplace_back("FCALL");
  full.emplace_back(function);
  full.emplace_back("0");
  if (node != nullptr) {
    full.push_back(*node);
    full.push_back(*epoch);
  }
  for (auto& a : args) full.push_back(std::move(a));
  return full;
}

}  // namespace

// Not coroutines: the command goes to run() as it is, with no frame of their own on the way (a
// frame per layer per message adds up).
task<reply> fcall(redis_connection& conn, const char* function, std::vector<std::string> args) {
  return run(conn, fcall_command(function, std::move(args), nullptr, nullptr));
}

task<reply> fenced_fcall(redis_connection& conn, const char* function, const std::string& node,
                         const std::string& epoch, std::vector<std::string> args) {
  return run(conn, fcall_command(function, std::move(args), &node, &epoch));
}

const reply& at(const reply& r, std::size_t i) {
  static const reply nil;
  return i < r.elements.size() ? r.elements[i] : nil;
}

std::vector<std::string> strings_of(const reply& r) {
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (const auto& e : r.elements) out.push_back(e.as_string());
  return out;
}

}  // namespace detail
}  // namespace lc::store
