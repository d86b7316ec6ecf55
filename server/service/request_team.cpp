// Requests about people rather than one conversation: agents' presence, offline messages, a
// visitor's transcript by email.
#include <algorithm>

#include "server/core/ids.hpp"
#include "server/core/validate.hpp"
#include "server/record/pg_connection.hpp"
#include "server/service/mail_desk.hpp"
#include "server/service/matcher.hpp"
#include "server/service/requests.hpp"

namespace lc::service {

namespace pb = livechat::v1;

task requests::presence(session_ptr s, request req) {
  const auto& p = req.presence();
  if (p.capacity() > s->agent().capacity) {
    s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT,
                  "capacity above the token's " + std::to_string(s->agent().capacity));
    co_return;
  }
  // Parameters go in a named local: GCC 12 destroys a braced temporary in a co_await twice.
  store::presence_params params{s->user_id(), p.status(), p.capacity()};
  co_await ctx_.store.presence(std::move(params));
  ack(*s, req.request_id(), "");
  // A slot opened or closed, or chats went back to the queue: match in every department.
  for (const auto& d : s->agent().departments) match_.request(d);
}

task requests::leave_offline_message(session_ptr s, request req) {
  const auto& m = req.offline_message();
  if (!limits_.allow_offline_message(s->address(), s->user_id(), wall_clock_ms())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_RATE_LIMITED,
                  "too many offline messages; try again later");
    co_return;
  }
  if (co_await banned(*s, req.request_id(), m.email())) co_return;
  auto id = core::issued_id('o');
  store::offline_params params{id,        s->user_id(),   core::trim_blanks(m.display_name()),
                               m.email(), m.department(), m.text()};
  co_await ctx_.store.offline_leave(std::move(params));
  ack(*s, req.request_id(), id);
  ctx_.metrics.add("livechat_offline_messages_total", 1, {{"department", m.department()}});
}

task requests::list_offline_messages(session_ptr s, request req) {
  const auto& l = req.list_offline_messages();
  const auto& claims = s->agent();
  std::vector<std::string> departments;
  if (!l.department().empty()) {
    const auto& mine = claims.departments;
    if (!claims.admin() && std::find(mine.begin(), mine.end(), l.department()) == mine.end()) {
      s->send_error(req.request_id(), pb::ERROR_CODE_FORBIDDEN,
                    "not an agent of department " + l.department());
      co_return;
    }
    departments.push_back(l.department());
  } else if (!claims.admin()) {
    departments = claims.departments;
  }
  auto list = co_await ctx_.reads.offline_list(departments, l.limit() == 0 ? 50 : l.limit());
  pb::ServerEnvelope env;
  env.set_request_id(req.request_id());
  auto* out = env.mutable_offline_messages();
  for (auto& m : list) *out->add_messages() = std::move(m);
  s->send(env);
}

task requests::email_transcript(session_ptr s, request req) {
  const auto& m = req.email_transcript();
  const auto rid = req.request_id();
  if (ctx_.mail == nullptr || !ctx_.mail->enabled()) {
    s->send_error(rid, pb::ERROR_CODE_FORBIDDEN, "this server does not send email");
    co_return;
  }
  // The visitor's own chat, open or just ended (the request usually trails the close).
  if (!s->followed_recently(m.conversation_id())) {
    s->send_error(rid, pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  if (!limits_.allow_transcript(s->address(), s->user_id(), wall_clock_ms())) {
    s->send_error(rid, pb::ERROR_CODE_RATE_LIMITED, "too many transcripts; try again later");
    co_return;
  }
  record::transcript_request r{};
  try {
    r = co_await ctx_.mail->request_transcript(m.conversation_id(), s->user_id(), m.email());
  } catch (const record::pg_error&) {
    s->send_error(rid, pb::ERROR_CODE_UNAVAILABLE, "email is unavailable; try again");
    co_return;
  }
  if (r == record::transcript_request::too_many) {
    s->send_error(rid, pb::ERROR_CODE_RATE_LIMITED,
                  "the transcript was already sent to as many addresses as allowed");
    co_return;
  }
  if (r == record::transcript_request::queued) {
    ctx_.metrics.add("livechat_mail_queued_total", 1, {{"kind", "transcript"}});
  }
  ack(*s, rid, m.conversation_id());
}

}  // namespace lc::service
