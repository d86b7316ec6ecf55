#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "server/store/chat_reads.hpp"
#include "server/store/chat_store.hpp"
#include "server/store/functions.hpp"
#include "tests/support/redis_fixture.hpp"

namespace lc::test {

// A real command connection to the fixture's Redis, with the Functions library loaded, the
// store's write and read sides on it, and a way to run store coroutines to completion from a test
// body (bounded in time).
class store_env {
 public:
  explicit store_env(redis_fixture& redis, const std::string& node = "n1")
      : conn_(io_, endpoint_of(redis), std::chrono::seconds(5), store::functions_source),
        store_(conn_),
        reads_(conn_) {
    conn_.start();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!conn_.ready() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(10));
    }
    if (!conn_.ready()) throw std::runtime_error("store connection not ready");
    // Fenced functions act for `node`, as a server node would after taking its lease.
    store_.set_fence(node, run(store_.lease(node, std::chrono::minutes(10), 0)));
  }

  static store::endpoint endpoint_of(redis_fixture& redis) {
    store::endpoint ep;
    ep.host = redis.host();
    ep.port = redis.port();
    return ep;
  }

  store::chat_store& store() { return store_; }
  store::chat_reads& reads() { return reads_; }
  store::redis_connection& connection() { return conn_; }
  boost::asio::io_context& io() { return io_; }

  template <class T>
  T run(boost::asio::awaitable<T> t) {
    auto f = boost::asio::co_spawn(io_, std::move(t), boost::asio::use_future);
    drive(f);
    return f.get();
  }
  void run(boost::asio::awaitable<void> t) {
    auto f = boost::asio::co_spawn(io_, std::move(t), boost::asio::use_future);
    drive(f);
    f.get();
  }
  template <class F>
  void drive(F& f) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("store timeout");
      io_.run_for(std::chrono::milliseconds(5));
    }
  }

 private:
  boost::asio::io_context io_;
  store::redis_connection conn_;
  store::chat_store store_;
  store::chat_reads reads_;
};

}  // namespace lc::test
