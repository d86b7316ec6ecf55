// Hello: who the client is, what it had open, and everything it missed since its resume points.
#include <algorithm>

#include "server/core/ids.hpp"
#include "server/core/token.hpp"
#include "server/core/validate.hpp"
#include "server/service/delivery.hpp"
#include "server/service/file_desk.hpp"
#include "server/service/mail_desk.hpp"
#include "server/service/matcher.hpp"
#include "server/service/queue_status.hpp"
#include "server/service/requests.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {

// 2: internal notes (SendMessage.note), SetTags, Watch, the staff-only event kinds.
// 3: BargeIn, supervisor transfers, the idle prompt, business hours in DepartmentStatus.
// 4: FollowBoard and the pushed Board, auto_away_seconds in DepartmentStatus.
// 5: bans and sneak peek. 6: email (EmailTranscript, Welcome.email_transcripts).
// 7: files in chat (SendMessage.attachment_id and preview, ChatEvent.attachment,
//    Welcome.max_file_bytes and file_types).
// 8: the live visitor list (PageView, Board.site_visitors, VisitorContext.site and pages,
//    NAVIGATED events).
// 9: proactive invitations (Invite, Invitation, DeclineInvitation, Join.invitation_id), the
//    pre-chat form and the survey (DepartmentStatus.pre_chat_form and survey, Join.answers,
//    Rate.answers, VisitorContext.form).
constexpr std::uint32_t protocol_version = 9;

// The departments a Welcome reports: an agent's own (an admin's: all), and for a visitor only
// those the widget asked about that exist: the list of departments is not for anonymous eyes.
std::vector<std::string> welcome_departments(const department_directory& departments,
                                             const pb::Hello& hello,
                                             const core::agent_claims* agent) {
  if (agent != nullptr) return agent->admin() ? departments.ids() : agent->departments;
  std::vector<std::string> out;
  for (const auto& d : hello.departments()) {
    if (departments.has(d) && std::find(out.begin(), out.end(), d) == out.end()) {
      out.push_back(d);
    }
  }
  return out;
}

pb::ServerEnvelope welcome_for(std::uint64_t request_id, const service_context& ctx,
                               const store::overview_result& overview) {
  const auto& options = ctx.options;
  pb::ServerEnvelope env;
  env.set_request_id(request_id);
  auto* w = env.mutable_welcome();
  w->set_node_id(options.node_id);
  w->set_protocol_version(protocol_version);
  w->set_sneak_peek(options.sneak_peek);
  w->set_email_transcripts(ctx.mail != nullptr && ctx.mail->enabled());
  if (ctx.files != nullptr && ctx.files->enabled()) {
    w->set_max_file_bytes(options.max_file_bytes);
    for (const auto& t : options.file_types) w->add_file_types(t);
  }
  w->set_server_time_ms(overview.now_ms);
  for (const auto& d : overview.departments) {
    auto* st = w->add_department_status();
    st->set_department(d.department);
    st->set_agents_online(d.agents_online);
    const auto* dept = ctx.departments.find(d.department);
    if (dept == nullptr) continue;
    st->set_display_name(dept->settings.display_name);
    st->set_waiting_target_seconds(
        static_cast<std::uint32_t>(dept->settings.waiting_target_seconds));
    st->set_auto_away_seconds(static_cast<std::uint32_t>(dept->settings.auto_away_seconds));
    if (ctx.files != nullptr) {
      auto files = ctx.files->limits_for(d.department);
      st->set_max_file_bytes(files.max_bytes);
      if (files.max_bytes > 0) {
        for (auto& t : files.types) st->add_file_types(std::move(t));
      }
    }
    for (const auto& f : dept->pre_chat_form) *st->add_pre_chat_form() = f;
    *st->mutable_survey() = dept->survey;
    const auto opens = dept->hours.next_opening(overview.now_ms);
    if (opens != overview.now_ms) {
      st->set_closed(true);
      st->set_opens_at_ms(opens.value_or(0));
    }
  }
  return env;
}

}  // namespace

task requests::hello(session_ptr s, request req) {
  const auto& h = req.hello();
  const auto now_s = wall_clock_ms() / 1000;
  if (!h.agent_token().empty()) {
    auto claims = core::verify_agent_token(h.agent_token(), ctx_.options.secret, now_s);
    if (!claims) {
      s->send_error(req.request_id(), pb::ERROR_CODE_UNAUTHENTICATED,
                    "agent token is invalid or expired");
      co_return;
    }
    const auto not_before = co_await ctx_.reads.agent_not_before(claims->agent_id);
    if (s->closed()) co_return;
    if (claims->issued_at_ms < not_before) {
      s->send_error(req.request_id(), pb::ERROR_CODE_UNAUTHENTICATED, "agent token was revoked");
      co_return;
    }
    co_await hello_agent(s, std::move(req), std::move(*claims));
    co_return;
  }
  std::string visitor;
  if (!h.visitor_token().empty()) {
    auto claims = core::verify_visitor_token(h.visitor_token(), ctx_.options.secret, now_s);
    if (!claims) {
      s->send_error(req.request_id(), pb::ERROR_CODE_UNAUTHENTICATED,
                    "visitor token is invalid or expired");
      co_return;
    }
    visitor = claims->visitor_id;
  } else {
    visitor = core::issued_id('v');
  }
  co_await hello_visitor(s, std::move(req), std::move(visitor));
}

task requests::hello_agent(session_ptr s, request req, core::agent_claims claims) {
  auto name = claims.display_name.empty() ? claims.agent_id : claims.display_name;
  conns_.identify(*s, pb::ROLE_AGENT, claims.agent_id, name);
  s->set_agent_claims(claims);
  store::agent_connect_params params{claims.agent_id, name, claims.capacity, claims.departments};
  auto connected = co_await ctx_.store.agent_connect(std::move(params));
  auto overview =
      co_await ctx_.reads.overview(welcome_departments(ctx_.departments, req.hello(), &claims));
  if (s->closed()) co_return;
  auto env = welcome_for(req.request_id(), ctx_, overview);
  auto* w = env.mutable_welcome();
  w->set_role(pb::ROLE_AGENT);
  w->set_user_id(s->user_id());
  w->set_display_name(s->display_name());
  w->set_capacity(claims.capacity);
  for (const auto& d : claims.departments) w->add_departments(d);
  s->send(env);
  s->mark_welcomed();
  std::map<std::string, std::uint64_t> resume;
  for (const auto& p : req.hello().resume()) resume[p.conversation_id()] = p.last_seq();
  for (const auto& conv : connected.conversations) {
    auto it = resume.find(conv);
    co_await deliver_.push_assigned(s, conv, it == resume.end() ? 0 : it->second);
  }
  co_await resume_agent(s, std::move(resume), std::move(connected.conversations));
  // Assignments made between lc_agent_connect and the Welcome woke nobody here.
  co_await deliver_.sync_assignments(s);
  if (connected.status == pb::PRESENCE_STATUS_ONLINE) {
    for (const auto& d : claims.departments) match_.request(d);
  }
}

// Resume points for conversations the agent no longer holds: the rest of one that closed while
// they were away (the visitor's last words, then CLOSED); an Unassigned for one that moved on.
task requests::resume_agent(session_ptr s, std::map<std::string, std::uint64_t> resume,
                            std::vector<std::string> assigned) {
  for (const auto& [conv, after_seq] : resume) {
    if (std::find(assigned.begin(), assigned.end(), conv) != assigned.end()) continue;
    auto rec = co_await ctx_.reads.conversation(conv);
    if (s->closed()) co_return;
    if (!rec || rec->agent_id != s->user_id()) {
      pb::ServerEnvelope env;
      env.mutable_unassigned()->set_conversation_id(conv);
      env.mutable_unassigned()->set_reason(rec ? "reassigned" : "unknown conversation");
      s->send(env);
      continue;
    }
    if (rec->state == pb::CONVERSATION_STATE_CLOSED && after_seq < rec->seq) {
      deliver_.follow_conversation(*s, conv, after_seq + 1, pb::CONVERSATION_STATE_CLOSED);
    }
  }
}

task requests::hello_visitor(session_ptr s, request req, std::string visitor) {
  conns_.identify(*s, pb::ROLE_VISITOR, visitor, "");
  auto open = co_await ctx_.reads.visitor_open_conversation(visitor);
  auto offered = welcome_departments(ctx_.departments, req.hello(), nullptr);
  s->set_widget_departments(offered);
  auto overview = co_await ctx_.reads.overview(std::move(offered));
  if (s->closed()) co_return;
  auto env = welcome_for(req.request_id(), ctx_, overview);
  auto* w = env.mutable_welcome();
  w->set_role(pb::ROLE_VISITOR);
  w->set_user_id(visitor);
  const auto now_s = wall_clock_ms() / 1000;
  w->set_visitor_token(core::sign_visitor_token(
      {visitor, now_s + static_cast<std::int64_t>(ctx_.options.visitor_token_ttl.count())},
      ctx_.options.secret));
  w->set_open_conversation_id(open);
  s->send(env);
  s->mark_welcomed();
  std::map<std::string, std::uint64_t> resume;
  for (const auto& p : req.hello().resume()) resume[p.conversation_id()] = p.last_seq();
  if (!open.empty()) {
    auto it = resume.find(open);
    co_await resume_visitor(s, open, it == resume.end() ? 0 : it->second, true);
  }
  // Conversations that closed while the visitor was away: the agent's last answer, CLOSED.
  for (const auto& [conv, after_seq] : resume) {
    if (conv != open) co_await resume_visitor(s, conv, after_seq, false);
  }
}

task requests::resume_visitor(session_ptr s, std::string conv, std::uint64_t after_seq,
                              bool is_open) {
  auto rec = co_await ctx_.reads.conversation(conv);
  if (s->closed() || !rec || rec->visitor_id != s->user_id()) co_return;
  if (rec->state == pb::CONVERSATION_STATE_CLOSED) {
    if (after_seq < rec->seq) {
      deliver_.follow_conversation(*s, conv, after_seq + 1, pb::CONVERSATION_STATE_CLOSED);
    } else {
      s->remember_ended(conv);  // nothing to deliver, but it may still be rated
    }
    co_return;
  }
  if (!is_open) co_return;  // open conversations come from the visitor record alone
  s->set_open_conversation(conv);
  s->set_display_name(rec->visitor_name);
  store::visitor_presence_params here{conv, s->user_id(), true, {}};
  co_await ctx_.store.visitor_presence(std::move(here));
  if (s->closed()) co_return;
  if (rec->state == pb::CONVERSATION_STATE_ASSIGNED) {
    pb::ServerEnvelope env;
    auto* a = env.mutable_assigned();
    a->set_conversation_id(conv);
    a->set_agent_id(rec->agent_id);
    a->set_agent_name(rec->agent_name);
    a->set_department(rec->department);
    a->set_epoch(rec->epoch);
    a->set_joined_at_ms(rec->joined_ms);
    s->send(env);
    auto gone = co_await ctx_.reads.agent_grace_deadline(rec->agent_id);
    if (gone) {
      if (s->closed()) co_return;
      pb::ServerEnvelope ac;
      auto* c = ac.mutable_agent_connection();
      c->set_conversation_id(conv);
      c->set_connected(false);
      c->set_grace_seconds(
          static_cast<std::uint32_t>(std::max<std::int64_t>(0, (*gone - wall_clock_ms()) / 1000)));
      s->send(ac);
    }
  }
  if (s->closed()) co_return;
  auto* f = deliver_.follow_conversation(*s, conv, after_seq + 1, rec->state);
  if (f != nullptr) f->department = rec->department;
  if (rec->state == pb::CONVERSATION_STATE_QUEUED) {
    queue_.watch(conv, rec->department);
    queue_.mark_dirty(rec->department);
  }
}

}  // namespace lc::service
