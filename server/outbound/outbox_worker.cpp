#include "server/outbound/outbox_worker.hpp"

#include <spdlog/spdlog.h>

namespace lc::outbound {

outbox_worker::outbox_worker(std::string name, std::chrono::milliseconds poll,
                             std::function<bool()> pass)
    : name_(std::move(name)), poll_(poll), pass_(std::move(pass)) {}

outbox_worker::~outbox_worker() {
  stop();
}

void outbox_worker::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void outbox_worker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void outbox_worker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

bool outbox_worker::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void outbox_worker::run() {
  while (true) {
    bool busy = false;
    try {
      busy = pass_();
    } catch (const std::exception& e) {
      spdlog::debug("{}: {}", name_, e.what());
    }
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    if (!busy) wake_.wait_for(lock, poll_, [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
  }
}

}  // namespace lc::outbound
