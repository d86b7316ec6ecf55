#include "server/outbound/mail_sender.hpp"

#include <spdlog/spdlog.h>

#include "server/core/backoff.hpp"
#include "server/core/mail.hpp"
#include "server/core/transcript_text.hpp"
#include "server/outbound/pool_call.hpp"
#include "server/record/archive.hpp"

namespace lc::outbound {

namespace {

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

}  // namespace

mail_sender::mail_sender(record::record_pool& pool, smtp_settings smtp, mail_sender_options options)
    : pool_(pool),
      smtp_(std::move(smtp)),
      options_(options),
      worker_("mail", options.poll, [this] { return pass(); }) {}

mail_sender::~mail_sender() {
  stop();
}

std::optional<std::string> mail_sender::compose(const record::mail_row& m) {
  core::mail_message out;
  out.from = smtp_.from;
  out.from_name = smtp_.from_name;
  out.to = m.recipient;
  out.subject = m.subject;
  out.message_id = "<mail-" + std::to_string(m.id) + "." + std::to_string(m.created_ms) + "@" +
                   domain_of(smtp_.from) + ">";
  out.date_ms = now_ms();
  if (m.kind == "transcript") {
    auto archive = on_pool<std::optional<record::conversation_archive>>(
        pool_, [conv = m.conversation_id](record::pg_connection& db) {
          record::conversation_archive a;
          return record::read_archive(db, conv, a) ? std::optional(std::move(a)) : std::nullopt;
        });
    if (!archive) return std::nullopt;
    out.body = core::transcript_text(archive->events, smtp_.from_name, m.conversation_id);
    out.automatic = true;
  } else {
    out.body = m.body;
  }
  return core::compose_mail(out);
}

bool mail_sender::pass() {
  const auto lease = options_.lease.count();
  const auto batch = options_.batch;
  auto due = on_pool<std::vector<record::mail_row>>(
      pool_, [lease, batch](auto& db) { return record::claim_mail(db, now_ms(), lease, batch); });
  for (const auto& m : due) {
    if (worker_.stopping()) return false;  // its lease runs out; another pass sends it
    const auto message = compose(m);
    const auto at = now_ms();
    const auto give_up = options_.give_up.count();
    if (!message) {
      if (at < m.created_ms + give_up) {
        on_pool<bool>(pool_, [id = m.id, next = at + options_.wait_for_close.count()](auto& db) {
          record::defer_mail(db, id, next);
          return true;
        });
      } else {
        on_pool<bool>(pool_, [id = m.id, at](auto& db) {
          record::finish_mail(db, id, false, "the chat was never archived", at, std::nullopt);
          return true;
        });
      }
      continue;
    }
    const auto r = smtp_send(smtp_, m.recipient, *message);
    const auto done = now_ms();
    const auto retry = r.sent || r.permanent
                           ? std::nullopt
                           : core::retry_at(m.created_ms, m.attempts, done, give_up);
    (r.sent ? sent_ : failed_) += 1;
    if (!r.sent) {
      spdlog::info("mail: {} {} to {} failed ({}), attempt {}{}", m.kind, m.id, m.recipient,
                   r.error, m.attempts, retry ? "" : ", given up");
    }
    on_pool<bool>(pool_, [id = m.id, r, done, retry](auto& db) {
      record::finish_mail(db, id, r.sent, r.error, done, retry);
      return true;
    });
  }
  return due.size() == batch;
}

}  // namespace lc::outbound
