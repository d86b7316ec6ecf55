#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/core/rate_table.hpp"
#include "server/core/token.hpp"
#include "server/service/context.hpp"
#include "server/service/file_transfer.hpp"
#include "server/service/transport.hpp"

namespace lc::service {

// Files in chat: uploads (POST /api/files, streamed into the system of record in chunks),
// downloads (GET /api/files/{id}, streamed out) for the conversation's visitor and the staff
// who may read it, and the check a message carrying a file passes. On with a system of record
// and --max-file-mb above 0.
class file_desk {
 public:
  explicit file_desk(const service_context& ctx);
  file_desk(const file_desk&) = delete;
  file_desk& operator=(const file_desk&) = delete;
  ~file_desk();

  void start();  // the sweep of files never sent
  void stop();
  bool enabled() const;
  static bool streams(std::string_view method, std::string_view path);

  // What a chat of `department` takes: its own limit and types where an admin set them, else the
  // server's; max_bytes 0 when files are off there (or everywhere).
  struct file_limits {
    std::uint64_t max_bytes = 0;
    std::vector<std::string> types;
  };
  file_limits limits_for(const std::string& department) const;
  void open_upload(http_request head, std::function<void(upload_start)> ready);
  // GET/HEAD /api/files/{id}; nothing for other paths. Takes visitor and staff tokens.
  boost::asio::awaitable<std::optional<http_response>> route(const http_request& request,
                                                             const std::string& path);

  // A message from `sender` in `conv` carrying file `file_id`: the Attachment, or why not.
  struct attached {
    std::optional<livechat::v1::Attachment> attachment;
    livechat::v1::ErrorCode code = livechat::v1::ERROR_CODE_UNSPECIFIED;
    std::string text;
  };
  boost::asio::awaitable<attached> attach(std::string conv, std::string sender, std::string file_id,
                                          std::string client_msg_id, std::string preview);

 private:
  // Who sent the request: a visitor (their id) or staff (their claims).
  struct caller {
    livechat::v1::Role role = livechat::v1::ROLE_UNSPECIFIED;
    std::string id;
    core::agent_claims staff;
  };
  boost::asio::awaitable<std::optional<caller>> authenticate(const http_request& request);
  boost::asio::awaitable<upload_start> begin_upload(http_request head);
  boost::asio::awaitable<http_response> download(const http_request& request, std::string id,
                                                 bool as_attachment);
  void do_schedule_sweep();
  boost::asio::awaitable<void> sweep_unsent();

  const service_context& ctx_;
  core::rate_table uploads_by_visitor_, uploads_by_address_;
  std::shared_ptr<upload_counts> uploads_ = std::make_shared<upload_counts>();
  boost::asio::steady_timer sweep_timer_;
  bool stopped_ = true;
};

}  // namespace lc::service
