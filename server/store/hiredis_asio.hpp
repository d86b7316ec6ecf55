#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

struct redisAsyncContext;

namespace lc::store {

// Drives one hiredis async context from an Asio event loop. hiredis owns the socket: the
// descriptor is released, never closed, when hiredis cleans up, and after every
// redisAsyncHandleRead/Write we check whether that cleanup (which frees the context) happened.
class hiredis_asio : public std::enable_shared_from_this<hiredis_asio> {
 public:
  // Hooks the context's event callbacks; the returned adapter lives while hiredis needs it.
  static std::shared_ptr<hiredis_asio> attach(boost::asio::io_context& io, redisAsyncContext* ctx);

  hiredis_asio(boost::asio::io_context& io, redisAsyncContext* ctx);
  bool dead() const { return dead_; }

 private:
  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);

  void do_wait_read();
  void do_wait_write();

  boost::asio::posix::stream_descriptor fd_;
  redisAsyncContext* ctx_;
  std::shared_ptr<hiredis_asio> self_;  // kept alive until hiredis calls cleanup
  bool reading_ = false, read_pending_ = false;
  bool writing_ = false, write_pending_ = false;
  bool dead_ = false;
};

}  // namespace lc::store
