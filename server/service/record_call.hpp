#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/record/record_pool.hpp"

namespace lc::service {

// A job for the record pool's threads; what it returns must be default-constructible.
template <class R>
using record_work = std::function<R(record::pg_connection&)>;

// Runs `work` on the record pool's threads and resumes the calling coroutine on `io` with its
// result, or rethrows its exception there (record::pg_error when PostgreSQL failed). The loop
// never blocks on the database. Not a coroutine itself but an Asio operation, co_awaited like
// any other: GCC 12 destroyed a by-value parameter of a coroutine twice here.
template <class R>
auto on_record(boost::asio::io_context& io, record::record_pool& pool, record_work<R> work) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                     void(std::exception_ptr, R)>(
      [&io, &pool](auto handler, record_work<R> job) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto result = std::make_shared<R>();
        pool.submit([result, job](record::pg_connection& db) { *result = job(db); },
                    [&io, h, result](std::exception_ptr e) {
                      boost::asio::post(
                          io, [h, result, e]() mutable { std::move (*h)(e, std::move(*result)); });
                    });
      },
      boost::asio::use_awaitable, std::move(work));
}

}  // namespace lc::service
