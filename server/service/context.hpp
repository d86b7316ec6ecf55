#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "server/core/metrics.hpp"
#include "server/record/record_pool.hpp"
#include "server/service/department_directory.hpp"
#include "server/service/options.hpp"
#include "server/store/ban_store.hpp"
#include "server/store/chat_reads.hpp"
#include "server/store/chat_store.hpp"

namespace lc::service {

class file_desk;
class invitation_desk;
class mail_desk;
class webhook_desk;

using task = boost::asio::awaitable<void>;

// What every room of the service shares: the event loop, the configuration, the metrics and the
// store port (the shared command connection), and the system of record. Owned by chat_service;
// rooms hold a reference.
struct service_context {
  boost::asio::io_context& io;
  const service_options& options;
  // The departments as routed now (--departments, then the system of record's settings).
  department_directory& departments;
  core::metrics_registry& metrics;
  store::chat_store& store;
  store::chat_reads& reads;
  store::ban_store& bans;  // the bans in force (ban_desk records and lifts them)
  // The system of record; null when the service runs without one (Redis then keeps every
  // closed conversation).
  record::record_pool* record = nullptr;
  // Where rooms emit conversation events for webhooks (set by chat_service).
  webhook_desk* webhooks = nullptr;
  // Where transcript requests and answers by email go (set by chat_service).
  mail_desk* mail = nullptr;
  // Files in chat: uploads, downloads and the check of a message's attachment (set by
  // chat_service).
  file_desk* files = nullptr;
  // Proactive invitations (set by chat_service).
  invitation_desk* invitations = nullptr;

  // Runs `t` detached on the loop; a store failure is logged as a warning (the client is told,
  // or the periodic work retries), anything else as an error. Never throws.
  void spawn(task t, const char* what) const;
};

}  // namespace lc::service
