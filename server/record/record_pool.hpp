#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/record/pg_connection.hpp"

namespace lc::record {

struct record_pool_options {
  std::string conninfo;                     // a libpq connection string or postgresql:// URI
  std::chrono::milliseconds timeout{5000};  // connect; statements get a multiple of it
  int threads = 2;
  std::size_t max_queue = 10000;  // jobs waiting; past it a job fails at once
};

// The threads that talk to PostgreSQL, so the event loop never waits on it: each holds one
// blocking connection (opened on demand, the schema migrated on each open, reopened with capped
// backoff after a failure) and runs jobs off one shared queue. A job's `done` runs on the
// worker thread with the job's exception (null on success); callers post it back to their loop.
class record_pool {
 public:
  using work = std::function<void(pg_connection&)>;
  using done = std::function<void(std::exception_ptr)>;

  explicit record_pool(record_pool_options options);
  record_pool(const record_pool&) = delete;
  record_pool& operator=(const record_pool&) = delete;
  ~record_pool();  // stop()

  void start();
  // Jobs still queued complete with an error; running ones finish. Idempotent.
  void stop();
  // While PostgreSQL is unreachable, jobs fail fast (pg_error, connection_lost) instead of each
  // waiting out a connect timeout.
  void submit(work w, done d);

  // The last attempt to reach the database succeeded (and the schema is current).
  bool available() const { return available_.load(); }
  std::size_t queued() const;

 private:
  struct job {
    work w;
    done d;
  };
  void run_thread();
  // The thread's connection, opened if needed; null while backing off after a failure.
  pg_connection* connection(std::unique_ptr<pg_connection>& mine, std::string& why);

  record_pool_options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> queue_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
  std::atomic<bool> available_{false};
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{100};
  std::string last_error_;  // under mutex_
};

}  // namespace lc::record
