#include "server/record/record_pool.hpp"

#include <spdlog/spdlog.h>

#include "server/record/migrations.hpp"

namespace lc::record {

namespace {
constexpr std::chrono::milliseconds max_backoff{5000};
}  // namespace

record_pool::record_pool(record_pool_options options) : options_(std::move(options)) {}

record_pool::~record_pool() {
  stop();
}

void record_pool::start() {
  std::lock_guard lock(mutex_);
  if (!threads_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { run_thread(); });
  }
}

void record_pool::stop() {
  std::deque<job> left;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    left.swap(queue_);
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto& t : threads) t.join();
  for (auto& j : left) {
    j.d(std::make_exception_ptr(pg_error("postgres: the node is stopping", "", true)));
  }
}

std::size_t record_pool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void record_pool::submit(work w, done d) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      queue_.push_back({std::move(w), std::move(d)});
      wake_.notify_one();
      return;
    }
  }
  d(std::make_exception_ptr(pg_error("postgres: too much work queued", "", false)));
}

pg_connection* record_pool::connection(std::unique_ptr<pg_connection>& mine, std::string& why) {
  if (mine && mine->ok()) return mine.get();
  mine.reset();
  {
    std::lock_guard lock(mutex_);
    if (std::chrono::steady_clock::now() < retry_at_) {
      why = last_error_;
      return nullptr;
    }
  }
  try {
    auto db = std::make_unique<pg_connection>(options_.conninfo, options_.timeout);
    // On every new connection, not once: the server may be a restored or failed-over one whose
    // schema is behind (a no-op transaction when it is current).
    const int applied = apply_migrations(*db);
    if (applied > 0) spdlog::info("postgres: applied {} schema migration(s)", applied);
    {
      std::lock_guard lock(mutex_);
      if (!available_.load()) spdlog::info("postgres: connected");
      backoff_ = std::chrono::milliseconds(100);
      retry_at_ = {};
      available_ = true;
    }
    mine = std::move(db);
    return mine.get();
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    if (available_.exchange(false) || last_error_ != e.what()) {
      spdlog::warn("{} (retrying with backoff)", e.what());
    }
    last_error_ = why = e.what();
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    backoff_ = std::min(max_backoff, backoff_ * 2);
    return nullptr;
  }
}

void record_pool::run_thread() {
  std::unique_ptr<pg_connection> db;
  while (true) {
    job j;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      j = std::move(queue_.front());
      queue_.pop_front();
    }
    std::string why;
    auto* conn = connection(db, why);
    if (conn == nullptr) {
      j.d(std::make_exception_ptr(pg_error(why.empty() ? "postgres: unavailable" : why, "", true)));
      continue;
    }
    std::exception_ptr failure;
    try {
      j.w(*conn);
    } catch (const pg_error& e) {
      failure = std::current_exception();
      if (e.connection_lost() || !conn->ok()) {
        db.reset();
        available_ = false;
        spdlog::warn("postgres: connection lost: {}", e.what());
      }
    } catch (...) {
      failure = std::current_exception();
    }
    j.d(failure);
  }
}

}  // namespace lc::record
