#pragma once

#include <exception>
#include <future>
#include <memory>
#include <utility>

#include "server/record/record_pool.hpp"

namespace lc::outbound {

// Runs `job` on the record pool and waits for its result (or rethrows its exception): for the
// outbox threads, which are theirs to block, never for the event loop (service::on_record).
template <class R, class F>
R on_pool(record::record_pool& pool, F job) {
  std::promise<R> promise;
  auto future = promise.get_future();
  auto result = std::make_shared<R>();
  pool.submit([result, job](record::pg_connection& db) { *result = job(db); },
              [result, &promise](std::exception_ptr e) {
                if (e) {
                  promise.set_exception(e);
                } else {
                  promise.set_value(std::move(*result));
                }
              });
  return future.get();
}

}  // namespace lc::outbound
