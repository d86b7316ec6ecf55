#include "server/service/mail_desk.hpp"

#include <algorithm>

#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/mail.hpp"
#include "server/core/query.hpp"
#include "server/core/utf8.hpp"
#include "server/core/validate.hpp"
#include "server/record/audit_log.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"
#include "server/service/team_api.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::size_t max_transcripts_per_conversation = 3;
constexpr std::size_t max_reply_bytes = 10000;
constexpr std::uint64_t max_log = 200;
constexpr std::size_t default_log = 50;

// The answer, then the visitor's message quoted under it, as mail clients do.
std::string reply_body(const std::string& text, const livechat::v1::OfflineMessage& m) {
  std::string out = text;
  out.append("\n\nOn ").append(core::mail_date(m.at_ms())).append(", ");
  out.append(m.display_name().empty() ? "you" : m.display_name()).append(" wrote:\n");
  std::size_t start = 0;
  const auto& original = m.text();
  while (start <= original.size()) {
    const auto nl = original.find('\n', start);
    out.append("> ").append(original, start,
                            nl == std::string::npos ? std::string::npos : nl - start);
    out.push_back('\n');
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string mail_json(const record::mail_row& m) {
  core::json_writer j;
  j.begin_object();
  j.key("id").value(m.id);
  j.key("kind").value(m.kind);
  j.key("conversation_id").value(m.conversation_id);
  j.key("offline_id").value(m.offline_id);
  j.key("to").value(m.recipient);
  j.key("subject").value(m.subject);
  j.key("requested_by").value(m.requested_by);
  j.key("state").value(m.state);
  j.key("attempts").value(static_cast<std::int64_t>(m.attempts));
  j.key("last_error").value(m.last_error);
  j.key("created_ms").value(m.created_ms);
  j.key("done_ms").value(m.done_ms);
  j.end_object();
  return j.str();
}

bool may_answer(const core::agent_claims& who, const std::string& department) {
  const auto& mine = who.departments;
  return who.admin() || std::find(mine.begin(), mine.end(), department) != mine.end();
}

}  // namespace

mail_desk::mail_desk(const service_context& ctx) : ctx_(ctx) {
  if (ctx_.record != nullptr && ctx_.options.smtp.enabled()) {
    outbound::mail_sender_options o;
    o.give_up = ctx_.options.mail_give_up;
    sender_ = std::make_unique<outbound::mail_sender>(*ctx_.record, ctx_.options.smtp, o);
  }
}

mail_desk::~mail_desk() {
  stop();
}

void mail_desk::start() {
  if (sender_) sender_->start();
}

void mail_desk::stop() {
  if (sender_) sender_->stop();
}

asio::awaitable<record::transcript_request> mail_desk::request_transcript(std::string conv,
                                                                          std::string visitor,
                                                                          std::string email) {
  record_work<record::transcript_request> queue = [conv, visitor, email,
                                                   now = wall_clock_ms()](auto& db) {
    return record::request_transcript(db, conv, visitor, email, now,
                                      max_transcripts_per_conversation);
  };
  const auto r = co_await on_record(ctx_.io, *ctx_.record, std::move(queue));
  if (r == record::transcript_request::queued) sender_->wake();
  co_return r;
}

asio::awaitable<std::optional<http_response>> mail_desk::route(const core::agent_claims& who,
                                                               const http_request& request,
                                                               const std::string& path) {
  constexpr std::string_view offline_prefix = "/api/offline-messages/";
  constexpr std::string_view reply_suffix = "/reply";
  const bool reply_path =
      path.size() > offline_prefix.size() + reply_suffix.size() &&
      path.rfind(offline_prefix, 0) == 0 &&
      path.compare(path.size() - reply_suffix.size(), reply_suffix.size(), reply_suffix) == 0;
  if (!reply_path && path != "/api/mail") co_return std::nullopt;
  if (path == "/api/mail") {
    if (!who.admin()) co_return error_reply(403, "forbidden", "only admins read the mail log");
    if (request.method != "GET") co_return error_reply(405, "method_not_allowed", "GET only");
    if (ctx_.record == nullptr) co_return rest::no_record_reply();
    co_return co_await log(request.target);
  }
  if (request.method != "POST") co_return error_reply(405, "method_not_allowed", "POST only");
  std::string id =
      path.substr(offline_prefix.size(), path.size() - offline_prefix.size() - reply_suffix.size());
  if (!core::is_issued_id('o', id)) {
    co_return error_reply(400, "bad_request", "malformed offline message id");
  }
  http_response bad;
  auto body = json_object_body(request, &bad);
  if (!body) co_return bad;
  co_return co_await reply(who, std::move(id), *body);
}

asio::awaitable<http_response> mail_desk::reply(const core::agent_claims& who, std::string id,
                                                const core::json_value& body) {
  std::string text;
  for (const auto& [key, v] : body.members()) {
    if (key != "text") co_return error_reply(400, "bad_request", "unknown field '" + key + "'");
    if (!v.is_string()) co_return error_reply(400, "bad_request", "'text': text");
    text = core::trim_blanks(v.as_string());
  }
  if (text.empty()) co_return error_reply(400, "bad_request", "'text' is required");
  if (text.size() > max_reply_bytes || !core::is_valid_utf8(text)) {
    co_return error_reply(400, "bad_request", "'text': UTF-8, at most 10000 bytes");
  }
  // Scope before anything else: an agent outside the department learns nothing, not even
  // whether email is on.
  auto message = co_await ctx_.reads.offline_find(id);
  if (!message || !may_answer(who, message->department())) {
    co_return error_reply(404, "not_found", "no such offline message");
  }
  if (!enabled()) co_return error_reply(409, "email_off", "this server does not send email");
  if (!core::mailable_address(message->email())) {
    co_return error_reply(409, "not_mailable",
                          "the visitor's address is not one this server can mail to");
  }
  record::mail_row m;
  m.kind = "reply";
  m.offline_id = id;
  m.visitor_id = message->visitor_id();
  m.recipient = message->email();
  m.subject = "Re: your message to " + ctx_.options.smtp.from_name;
  m.body = reply_body(text, *message);
  m.requested_by = who.agent_id;
  m.created_ms = wall_clock_ms();
  const auto detail = core::json_writer()
                          .begin_object()
                          .key("to")
                          .value(m.recipient)
                          .key("bytes")
                          .value(static_cast<std::int64_t>(text.size()))
                          .end_object()
                          .str();
  record_work<std::int64_t> queue = [m, detail](auto& db) {
    const auto mail_id = record::enqueue_reply(db, m);
    record::audit(db, m.requested_by, "offline.reply", m.offline_id, detail, m.created_ms);
    return mail_id;
  };
  std::int64_t mail_id = 0;
  try {
    mail_id = co_await on_record(ctx_.io, *ctx_.record, std::move(queue));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  sender_->wake();
  const auto at = co_await ctx_.store.offline_replied(id, who.agent_id);
  ctx_.metrics.add("livechat_mail_queued_total", 1, {{"kind", "reply"}});
  co_return json_reply(202, core::json_writer()
                                .begin_object()
                                .key("mail_id")
                                .value(mail_id)
                                .key("to")
                                .value(m.recipient)
                                .key("replied_at_ms")
                                .value(at)
                                .key("replied_by")
                                .value(who.agent_id)
                                .end_object()
                                .str());
}

asio::awaitable<http_response> mail_desk::log(const std::string& target) {
  std::size_t limit = default_log;
  if (auto t = core::parse_target(target)) {
    if (auto it = t->params.find("limit"); it != t->params.end()) {
      auto n = core::parse_count(it->second, max_log);
      if (!n) co_return error_reply(400, "bad_request", "'limit': 1..200");
      limit = static_cast<std::size_t>(*n);
    }
  }
  record_work<std::vector<record::mail_row>> read = [limit](auto& db) {
    return record::list_mail(db, limit);
  };
  std::vector<record::mail_row> rows;
  try {
    rows = co_await on_record(ctx_.io, *ctx_.record, std::move(read));
  } catch (const std::exception&) {
    co_return rest::no_record_reply();
  }
  std::string out = R"({"mail":[)";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += mail_json(rows[i]);
  }
  out += "]}";
  co_return json_reply(200, std::move(out));
}

}  // namespace lc::service
