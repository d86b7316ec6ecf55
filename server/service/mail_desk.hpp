#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/core/json_value.hpp"
#include "server/core/token.hpp"
#include "server/outbound/mail_sender.hpp"
#include "server/record/mail.hpp"
#include "server/service/context.hpp"
#include "server/service/transport.hpp"

namespace lc::service {

// Email: a visitor's request for their transcript (EmailTranscript) and an agent's answer to an
// offline message (POST /api/offline-messages/{id}/reply) go into the system of record's mail
// outbox, which this node's sender (outbound::mail_sender) drains over SMTP; admins read the
// log (GET /api/mail). On only with --smtp-url and a system of record.
class mail_desk {
 public:
  explicit mail_desk(const service_context& ctx);
  ~mail_desk();

  void start();
  void stop();
  bool enabled() const { return sender_ != nullptr; }
  std::uint64_t sent() const { return sender_ ? sender_->sent() : 0; }
  std::uint64_t failed_attempts() const { return sender_ ? sender_->failed_attempts() : 0; }

  // Queues the transcript of `conv` (the caller checked it is the visitor's) for `email`.
  // Throws record::pg_error when the system of record cannot take it.
  boost::asio::awaitable<record::transcript_request> request_transcript(std::string conv,
                                                                        std::string visitor,
                                                                        std::string email);

  // /api/offline-messages/{id}/reply and /api/mail; nothing for other paths.
  boost::asio::awaitable<std::optional<http_response>> route(const core::agent_claims& who,
                                                             const http_request& request,
                                                             const std::string& path);

 private:
  boost::asio::awaitable<http_response> reply(const core::agent_claims& who, std::string id,
                                              const core::json_value& body);
  boost::asio::awaitable<http_response> log(const std::string& target);

  const service_context& ctx_;
  std::unique_ptr<outbound::mail_sender> sender_;  // null when email is off
};

}  // namespace lc::service
