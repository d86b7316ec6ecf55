#include "server/service/context.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

namespace lc::service {

void service_context::spawn(task t, const char* what) const {
  boost::asio::co_spawn(io, std::move(t), [what](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const store::store_error& err) {
      spdlog::warn("{}: {}", what, err.what());
    } catch (const std::exception& err) {
      spdlog::error("{}: {}", what, err.what());
    }
  });
}

}  // namespace lc::service
