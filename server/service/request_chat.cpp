// Requests about one conversation: join, messages, receipts, typing, transfer, close, rating.
#include "server/core/ban.hpp"
#include "server/core/chat_form.hpp"
#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/validate.hpp"
#include "server/service/delivery.hpp"
#include "server/service/file_desk.hpp"
#include "server/service/matcher.hpp"
#include "server/service/node.hpp"
#include "server/service/queue_status.hpp"
#include "server/service/requests.hpp"
#include "server/service/webhook_desk.hpp"
#include "server/store/store_error.hpp"

namespace lc::service {

namespace pb = livechat::v1;
using action = core::conversation_action;

namespace {

constexpr std::int64_t draft_every_ms = 250;

// A store call failed without saying whether it ran (timeout, lost connection).
bool store_unavailable(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const store::store_error& err) {
    return err.code() == pb::ERROR_CODE_UNAVAILABLE;
  } catch (...) {
    return false;
  }
}

}  // namespace

task requests::join(session_ptr s, request req) {
  const auto& j = req.join();
  // With a chat open, a join is a retry of it (answered with its Ack) or a CONFLICT: it starts
  // nothing, so only a join without one is counted.
  if (s->open_conversation().empty() &&
      !limits_.allow_join(s->address(), s->user_id(), wall_clock_ms())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_RATE_LIMITED,
                  "too many chats started; try again in a minute");
    co_return;
  }
  // Outside business hours the widget offers the offline form; a join that comes anyway (a stale
  // page) is told so, not queued for nobody.
  if (s->open_conversation().empty() &&
      !ctx_.departments.open_at(j.department(), wall_clock_ms())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_CONFLICT,
                  "department is closed (outside its business hours): leave a message");
    co_return;
  }
  // The department's pre-chat form, checked here (the store keeps what it is given): every
  // required field answered, each answer of its field's kind.
  std::vector<pb::FormAnswer> form;
  if (s->open_conversation().empty()) {
    const auto* dept = ctx_.departments.find(j.department());
    std::string wrong;
    auto answers = core::check_answers(dept != nullptr ? dept->pre_chat_form : core::form_fields{},
                                       j.answers(), &wrong);
    if (!answers) {
      s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT, wrong);
      co_return;
    }
    form = std::move(*answers);
  }
  if (co_await banned(*s, req.request_id(), j.email())) co_return;
  store::join_params p;
  p.conversation_id = core::issued_id('c');
  p.visitor_id = s->user_id();
  p.name = core::trim_blanks(j.display_name());
  p.email = j.email();
  p.department = j.department();
  p.page_url = j.page_url();
  p.first_message = j.first_message();
  p.client_msg_id = j.client_msg_id();
  p.metadata.insert(j.metadata().begin(), j.metadata().end());
  p.address = s->address();
  p.max_queued = ctx_.options.max_queued_per_address;
  p.form = core::encode_answers(form);
  p.invitation_id = j.invitation_id();
  // The store answers a retry of the open join (same first-message id) with that join's Ack,
  // and any other join while one is open with CONFLICT.
  auto r = co_await ctx_.store.join(p);
  if (!r.existing) {
    ctx_.metrics.add("livechat_conversations_joined_total", 1, {{"department", p.department}});
    if (wanted("conversation.created")) {
      ctx_.webhooks->emit(webhook_payloads::created(r.conversation_id, p.department, p.visitor_id,
                                                    p.name, p.email, p.page_url, p.first_message,
                                                    r.joined_ms, form));
    }
    if (!p.first_message.empty()) {
      ctx_.metrics.add("livechat_messages_total", 1, {{"role", "visitor"}});
    }
    if (!r.invited_by.empty()) {
      ctx_.metrics.add("livechat_invitations_accepted_total", 1, {{"department", p.department}});
    }
  }
  match_.request(p.department);
  if (!s->closed()) {
    pb::ServerEnvelope env;
    env.set_request_id(req.request_id());
    auto* a = env.mutable_ack();
    a->set_conversation_id(r.conversation_id);
    a->set_seq(r.seq);
    a->set_client_msg_id(j.client_msg_id());
    a->set_duplicate(r.existing);
    a->set_at_ms(r.joined_ms);
    s->send(env);
  }
  // Every tab of this visitor here follows the new conversation. The joining one has shown its
  // own first message and reads on from the next seq; matching may already have assigned the
  // chat (its wake-up came before this follow), which the first read finds.
  bool here = false;
  conns_.for_user(pb::ROLE_VISITOR, p.visitor_id, [&](session& tab) {
    here = true;
    tab.set_open_conversation(r.conversation_id);
    tab.set_display_name(p.name);
    const auto next = &tab == s.get() ? r.seq + 1 : 1;
    if (auto* f = deliver_.follow_conversation(tab, r.conversation_id, next,
                                               pb::CONVERSATION_STATE_QUEUED)) {
      if (f->department.empty()) f->department = p.department;
    }
  });
  if (here) {
    queue_.watch(r.conversation_id, p.department);
    queue_.mark_dirty(p.department);
  } else if (!node_.draining()) {
    // Gone before the answer, with no other tab here: the visitor's grace starts now.
    store::visitor_presence_params gone{r.conversation_id, p.visitor_id, false,
                                        ctx_.options.visitor_grace};
    co_await ctx_.store.visitor_presence(std::move(gone));
  }
}

boost::asio::awaitable<bool> requests::banned(session& s, std::uint64_t request_id,
                                              std::string email) {
  std::vector<std::string> keys;
  for (const auto& [kind, value] :
       {std::pair{core::ban_kind::visitor, std::string_view(s.user_id())},
        std::pair{core::ban_kind::address, std::string_view(s.address())},
        std::pair{core::ban_kind::email, std::string_view(email)}}) {
    if (auto subject = core::make_ban_subject(kind, value)) keys.push_back(subject->key_part);
  }
  if (co_await ctx_.bans.find(std::move(keys)) == 0) co_return false;
  ctx_.metrics.add("livechat_banned_requests_total", 1);
  // Neutral words: the widget shows its own; nothing here tells an abuser what matched.
  s.send_error(request_id, pb::ERROR_CODE_FORBIDDEN, "chat is not available");
  co_return true;
}

task requests::send_message(session_ptr s, request req) {
  const auto& m = req.send();
  const auto& conv = m.conversation_id();
  const bool note = m.note();
  // A note by a supervisor (or admin) on a chat they do not hold goes without a follow: the
  // store checks the conversation is in their departments.
  follow* f = nullptr;
  std::string scope;
  // A supervisor's message on a chat they follow and do not hold: they barged in (the store
  // checks), so it goes to the visitor from them as supervisor.
  auto role = s->role();
  if (note && s->agent().supervises()) {
    scope = supervision_scope(s->agent());
    // Watching it (or holding it): the cursor holds what follows the note until its Ack.
    f = s->find_follow(conv);
  } else if (role == pb::ROLE_AGENT && s->agent().supervises() &&
             (f = s->find_follow(conv)) != nullptr && f->assignment_epoch == 0) {
    role = s->agent().admin() ? pb::ROLE_ADMIN : pb::ROLE_SUPERVISOR;
  } else {
    f = acting_on(*s, req.request_id(), conv,
                  s->role() == pb::ROLE_AGENT ? action::agent_message : action::visitor_message);
    if (f == nullptr) co_return;
  }
  if (s->role() == pb::ROLE_VISITOR &&
      !limits_.allow_message(s->address(), s->user_id(), wall_clock_ms())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_RATE_LIMITED, "too many messages; slow down");
    co_return;
  }
  // The event as the stream will hold it: this node's followers get it from here (the store
  // wakes only other nodes, or only agents' nodes for a note).
  pb::ChatEvent event;
  event.set_conversation_id(conv);
  event.set_kind(note ? pb::EVENT_KIND_NOTE : pb::EVENT_KIND_MESSAGE);
  event.set_sender_role(role);
  event.set_sender_id(s->user_id());
  event.set_sender_name(s->display_name());
  event.set_text(m.text());
  event.set_client_msg_id(m.client_msg_id());
  if (!m.attachment_id().empty()) {
    // The file must be this sender's, uploaded to this conversation and not sent with another
    // message; a resend with the same client id finds it again (and the store dedups).
    const auto before = f != nullptr ? f->token : 0;
    auto a = co_await ctx_.files->attach(conv, s->user_id(), m.attachment_id(), m.client_msg_id(),
                                         m.preview());
    if (!a.attachment) {
      s->send_error(req.request_id(), a.code, a.text);
      co_return;
    }
    // The follow may have ended while the database answered.
    if (before != 0 && (f = s->find_follow(conv, before)) == nullptr) co_return;
    *event.mutable_attachment() = std::move(*a.attachment);
  }
  // Until the Ack is out, nothing after this message goes to this session (see the cursor).
  const auto token = f != nullptr ? f->token : 0;
  if (f != nullptr) f->cursor.write_started();
  store::post_result r;
  try {
    if (note) {
      store::note_params p{conv,     s->user_id(), s->display_name(), m.client_msg_id(),
                           m.text(), scope};
      r = co_await ctx_.store.note(std::move(p));
    } else {
      store::post_params p;
      p.conversation_id = conv;
      p.role = role;
      p.sender_id = s->user_id();
      p.sender_name = s->display_name();
      p.client_msg_id = m.client_msg_id();
      p.text = m.text();
      if (event.has_attachment()) p.attachment = event.attachment().SerializeAsString();
      p.assignment_epoch = f != nullptr ? f->assignment_epoch : 0;
      if (role == pb::ROLE_VISITOR) {
        p.max_before_answer = ctx_.options.max_messages_before_answer;
      }
      r = co_await ctx_.store.post(std::move(p));
    }
  } catch (...) {
    if (auto* again = token != 0 ? s->find_follow(conv, token) : nullptr) {
      again->cursor.write_finished(std::nullopt);
      deliver_.pump(*s, conv);
    }
    // Unavailable: the message may be stored all the same, and nobody else will say so.
    if (store_unavailable(std::current_exception())) deliver_.resync(conv);
    throw;
  }
  pb::ServerEnvelope env;
  env.set_request_id(req.request_id());
  auto* a = env.mutable_ack();
  a->set_conversation_id(conv);
  a->set_seq(r.seq);
  a->set_client_msg_id(m.client_msg_id());
  a->set_duplicate(r.duplicate);
  a->set_at_ms(r.at_ms);
  s->send(env);
  if (auto* again = token != 0 ? s->find_follow(conv, token) : nullptr) {
    again->cursor.write_finished(r.seq);
    deliver_.pump(*s, conv);
  }
  if (r.duplicate) {
    // A retry: whether the first attempt's event reached this node's followers is not known
    // here, and the retry's text is not the stored one's to vouch for.
    deliver_.resync(conv);
    co_return;
  }
  event.set_seq(r.seq);
  event.set_at_ms(r.at_ms);
  deliver_.on_own_event(event);
  if (note) {
    ctx_.metrics.add("livechat_notes_total", 1);
  } else {
    if (wanted("conversation.message")) ctx_.webhooks->emit(webhook_payloads::message(event));
    ctx_.metrics.add("livechat_messages_total", 1,
                     {{"role", role == pb::ROLE_VISITOR ? "visitor"
                               : role == pb::ROLE_AGENT ? "agent"
                                                        : "supervisor"}});
  }
}

task requests::receipt(session_ptr s, request req) {
  const auto& r = req.receipt();
  // Receipts may trail the close (the last message is read after CLOSED arrived); the store
  // checks membership too.
  if (!s->followed_recently(r.conversation_id())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  store::receipt_params params{r.conversation_id(), s->role(), s->user_id(), r.kind(), r.seq()};
  auto latency_ms = co_await ctx_.store.receipt(std::move(params));
  if (latency_ms) {
    ctx_.metrics.observe("livechat_delivery_latency_seconds",
                         static_cast<double>(*latency_ms) / 1000);
  }
  ack(*s, req.request_id(), r.conversation_id(), r.seq());
}

task requests::typing(session_ptr s, request req) {
  const auto& t = req.typing();
  if (acting_on(*s, req.request_id(), t.conversation_id(), action::typing) == nullptr) co_return;
  store::typing_params params{t.conversation_id(), s->role(),  s->user_id(),
                              s->display_name(),   t.typing(), {}};
  // Sneak peek, when the operator turned it on: a visitor's unsent text goes on to staff, at
  // most every quarter second (one sooner is dropped: the next carries newer text anyway).
  if (!t.draft().empty() && ctx_.options.sneak_peek && s->role() == pb::ROLE_VISITOR) {
    if (!s->draft_due(wall_clock_ms(), draft_every_ms)) co_return;
    params.draft = t.draft();
  }
  co_await ctx_.store.typing(std::move(params));
  ack(*s, req.request_id(), t.conversation_id());
}

task requests::transfer(session_ptr s, request req) {
  const auto& t = req.transfer();
  const auto& conv = t.conversation_id();
  // A supervisor moves any chat of their departments (taking it over, assigning it, picking a
  // waiting visitor): with their scope, unless it is theirs to move as its agent.
  const auto* f = s->find_follow(conv);
  const bool supervising = s->agent().supervises() && (f == nullptr || f->assignment_epoch == 0);
  if (!supervising && acting_on(*s, req.request_id(), conv, action::transfer) == nullptr) {
    co_return;
  }
  // The deadline to answer is the department's: the chat's, or the one it moves to.
  auto department = t.to_department();
  if (department.empty()) {
    auto c = co_await ctx_.reads.conversation(conv);
    if (c) department = c->department;
  }
  store::transfer_params params{conv, s->user_id(), t.to_agent_id(), t.to_department(), t.note()};
  if (supervising) params.scope = supervision_scope(s->agent());
  params.reassign_after = ctx_.departments.reassign_after(department);
  auto r = co_await ctx_.store.transfer(std::move(params));
  ack(*s, req.request_id(), conv);
  if (wanted("conversation.transferred")) {
    ctx_.webhooks->emit(
        webhook_payloads::transferred(conv, s->user_id(), r.to_agent, r.target, wall_clock_ms()));
  }
  ctx_.metrics.add("livechat_transfers_total", 1, {{"kind", r.to_agent ? "agent" : "department"}});
  if (!r.to_agent) match_.request(r.target);
  if (supervising) {
    const char* what = !r.to_agent                ? "conversation.move"
                       : r.target == s->user_id() ? "conversation.take_over"
                                                  : "conversation.assign";
    audit(*s, what, conv,
          core::json_writer()
              .begin_object()
              .key(r.to_agent ? "agent" : "department")
              .value(r.target)
              .end_object()
              .str());
  }
}

task requests::close_conversation(session_ptr s, request req) {
  const auto& conv = req.close().conversation_id();
  if (acting_on(*s, req.request_id(), conv, action::close) == nullptr) co_return;
  store::close_params params{conv, s->role(), s->user_id(), ctx_.departments.tag_required()};
  auto r = co_await ctx_.store.close(std::move(params));
  if (s->open_conversation() == conv) s->set_open_conversation("");
  ack(*s, req.request_id(), conv, r.seq);
  ctx_.metrics.add("livechat_conversations_closed_total", 1, {{"department", r.department}});
  node_.archive(conv);
  if (!r.agent_id.empty()) match_.request(r.department);
}

task requests::rate(session_ptr s, request req) {
  const auto& r = req.rate();
  // A rating comes after the close, when the follow has ended; the store checks that it is this
  // visitor's and closed.
  if (!s->followed_recently(r.conversation_id())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  // The department's survey says the scale and the questions.
  const auto rec = co_await ctx_.reads.conversation(r.conversation_id());
  if (!rec || rec->visitor_id != s->user_id()) {
    s->send_error(req.request_id(), pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  const auto* dept = ctx_.departments.find(rec->department);
  const auto survey = dept != nullptr ? dept->survey : core::default_survey();
  if (r.rating() > survey.scale()) {
    s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT,
                  "rating must be 1.." + std::to_string(survey.scale()));
    co_return;
  }
  if (!survey.comment() && !r.comment().empty()) {
    s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT,
                  "this survey takes no comment");
    co_return;
  }
  const core::form_fields questions(survey.questions().begin(), survey.questions().end());
  std::string wrong;
  auto answers = core::check_answers(questions, r.answers(), &wrong);
  if (!answers) {
    s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT, wrong);
    co_return;
  }
  store::rate_params params{r.conversation_id(), s->user_id(),   r.rating(),
                            r.comment(),         survey.scale(), core::encode_answers(*answers)};
  co_await ctx_.store.rate(std::move(params));
  ack(*s, req.request_id(), r.conversation_id());
  if (wanted("conversation.rated")) {
    ctx_.webhooks->emit(webhook_payloads::rated(r.conversation_id(), r.rating(), survey.scale(),
                                                r.comment(), *answers));
  }
  node_.archive(r.conversation_id());  // the rating goes to the system of record too
}

}  // namespace lc::service
