#pragma once

#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "server/store/redis_connection.hpp"
#include "server/store/reply.hpp"
#include "server/store/store_error.hpp"

// One Redis command as a coroutine, for the typed store classes only (nothing above the store
// issues raw commands).
namespace lc::store::detail {

template <class T>
using task = boost::asio::awaitable<T>;

// Sends `args`; throws store_error on connection failure, timeout or an error reply.
task<reply> run(redis_connection& conn, std::vector<std::string> args);

// FCALL name 0 args...
task<reply> fcall(redis_connection& conn, const char* function, std::vector<std::string> args);
// FCALL name 0 node epoch args...: a Function that acts for a node (fenced).
task<reply> fenced_fcall(redis_connection& conn, const char* function, const std::string& node,
                         const std::string& epoch, std::vector<std::string> args);

// Builds a command outside the coroutine body: GCC 12 miscompiles braced lists inside co_await.
template <class... A>
std::vector<std::string> command(A&&... a) {
  return std::vector<std::string>{std::string(std::forward<A>(a))...};
}

// Element i of an array reply, or a nil reply past its end.
const reply& at(const reply& r, std::size_t i);
std::vector<std::string> strings_of(const reply& r);

}  // namespace lc::store::detail
