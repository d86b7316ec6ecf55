#include "server/store/hiredis_asio.hpp"

#include <hiredis/async.h>

#include <boost/asio/post.hpp>

namespace lc::store {

namespace asio = boost::asio;

std::shared_ptr<hiredis_asio> hiredis_asio::attach(asio::io_context& io, redisAsyncContext* ctx) {
  auto adapter = std::make_shared<hiredis_asio>(io, ctx);
  adapter->self_ = adapter;
  ctx->ev.data = adapter.get();
  ctx->ev.addRead = &hiredis_asio::add_read;
  ctx->ev.delRead = &hiredis_asio::del_read;
  ctx->ev.addWrite = &hiredis_asio::add_write;
  ctx->ev.delWrite = &hiredis_asio::del_write;
  ctx->ev.cleanup = &hiredis_asio::cleanup;
  return adapter;
}

hiredis_asio::hiredis_asio(asio::io_context& io, redisAsyncContext* ctx)
    : fd_(io, ctx->c.fd), ctx_(ctx) {}

void hiredis_asio::add_read(void* p) {
  auto* self = static_cast<hiredis_asio*>(p);
  self->reading_ = true;
  self->do_wait_read();
}

void hiredis_asio::del_read(void* p) {
  static_cast<hiredis_asio*>(p)->reading_ = false;
}

void hiredis_asio::add_write(void* p) {
  auto* self = static_cast<hiredis_asio*>(p);
  self->writing_ = true;
  self->do_wait_write();
}

void hiredis_asio::del_write(void* p) {
  static_cast<hiredis_asio*>(p)->writing_ = false;
}

void hiredis_asio::cleanup(void* p) {
  auto* self = static_cast<hiredis_asio*>(p);
  self->dead_ = true;
  self->reading_ = self->writing_ = false;
  boost::system::error_code ignored;
  self->fd_.cancel(ignored);
  self->fd_.release();  // hiredis closes the fd itself
  self->ctx_ = nullptr;
  // Pending waits hold their own references; dropping ours lets the adapter die after them.
  asio::post(self->fd_.get_executor(), [keep = std::move(self->self_)] {});
}

void hiredis_asio::do_wait_read() {
  if (read_pending_ || dead_) return;
  read_pending_ = true;
  fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                 [self = shared_from_this()](boost::system::error_code ec) {
                   self->read_pending_ = false;
                   if (ec || self->dead_ || !self->reading_) return;
                   redisAsyncHandleRead(self->ctx_);
                   if (!self->dead_ && self->reading_) self->do_wait_read();
                 });
}

void hiredis_asio::do_wait_write() {
  if (write_pending_ || dead_) return;
  write_pending_ = true;
  fd_.async_wait(asio::posix::stream_descriptor::wait_write,
                 [self = shared_from_this()](boost::system::error_code ec) {
                   self->write_pending_ = false;
                   if (ec || self->dead_ || !self->writing_) return;
                   redisAsyncHandleWrite(self->ctx_);
                   if (!self->dead_ && self->writing_) self->do_wait_write();
                 });
}

}  // namespace lc::store
