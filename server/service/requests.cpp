#include "server/service/requests.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "server/core/validate.hpp"
#include "server/service/delivery.hpp"
#include "server/service/matcher.hpp"
#include "server/service/node.hpp"
#include "server/service/queue_status.hpp"
#include "server/service/webhook_desk.hpp"

namespace lc::service {

namespace pb = livechat::v1;

requests::requests(const service_context& ctx, connections& conns, delivery& deliver,
                   queue_status& queue, matcher& match, node& self, monitor& watching,
                   board_feed& board)
    : ctx_(ctx),
      conns_(conns),
      deliver_(deliver),
      queue_(queue),
      match_(match),
      node_(self),
      monitor_(watching),
      board_(board),
      limits_(ctx.options) {}

void requests::on_request(session& s) {
  if (!s.begin_handling()) return;  // its handler picks this one up in turn
  ++in_flight_;
  ctx_.spawn(handle_queue(s.shared_from_this()), "request");
}

task requests::handle_queue(session_ptr s) {
  // handle() answers every failure itself, so this loop always reaches its end. A closed
  // session's queued requests are dropped: unacknowledged, the client retries them.
  while (auto req = s->next_request()) co_await handle(s, std::move(*req));
  s->end_handling();
  --in_flight_;
}

bool requests::admit(session& s, const request& req) {
  const auto rid = req.request_id();
  if (auto bad = core::validate_request(req, s.role(), ctx_.options.limits)) {
    s.send_error(rid, bad->code, bad->text);
    return false;
  }
  if (auto unknown = unknown_department(req)) {
    s.send_error(rid, pb::ERROR_CODE_INVALID_ARGUMENT, "unknown department '" + *unknown + "'");
    return false;
  }
  switch (req.body_case()) {
    case request::kPing: {
      pb::ServerEnvelope env;
      env.set_request_id(rid);
      env.mutable_pong()->set_server_time_ms(wall_clock_ms());
      s.send(env);
      s.request_succeeded();
      return false;  // answered
    }
    case request::kHello:
    case request::kJoin:
    case request::kSend:
    case request::kReceipt:
    case request::kTyping:
    case request::kPresence:
    case request::kTransfer:
    case request::kClose:
    case request::kRate:
    case request::kOfflineMessage:
    case request::kListOfflineMessages:
    case request::kSetTags:
    case request::kWatch:
    case request::kBargeIn:
    case request::kFollowBoard:
    case request::kEmailTranscript:
    case request::kPageView:
    case request::kInvite:
    case request::kDeclineInvitation:
      return true;
    default:
      s.send_error(rid, pb::ERROR_CODE_UNKNOWN_TYPE, "unknown request type");
      return false;
  }
}

// Not a coroutine: it hands over the request's own coroutine, so no frame sits in between.
task requests::dispatch(session_ptr s, request req) {
  switch (req.body_case()) {
    case request::kHello:
      return hello(std::move(s), std::move(req));
    case request::kJoin:
      return join(std::move(s), std::move(req));
    case request::kSend:
      return send_message(std::move(s), std::move(req));
    case request::kReceipt:
      return receipt(std::move(s), std::move(req));
    case request::kTyping:
      return typing(std::move(s), std::move(req));
    case request::kPresence:
      return presence(std::move(s), std::move(req));
    case request::kTransfer:
      return transfer(std::move(s), std::move(req));
    case request::kClose:
      return close_conversation(std::move(s), std::move(req));
    case request::kRate:
      return rate(std::move(s), std::move(req));
    case request::kOfflineMessage:
      return leave_offline_message(std::move(s), std::move(req));
    case request::kListOfflineMessages:
      return list_offline_messages(std::move(s), std::move(req));
    case request::kSetTags:
      return set_tags(std::move(s), std::move(req));
    case request::kWatch:
      return watch(std::move(s), std::move(req));
    case request::kBargeIn:
      return barge_in(std::move(s), std::move(req));
    case request::kFollowBoard:
      return follow_board(std::move(s), std::move(req));
    case request::kEmailTranscript:
      return email_transcript(std::move(s), std::move(req));
    case request::kPageView:
      return page_view(std::move(s), std::move(req));
    case request::kInvite:
      return invite(std::move(s), std::move(req));
    case request::kDeclineInvitation:
      return decline_invitation(std::move(s), std::move(req));
    default:
      // admit() lets through only the kinds above; one admitted there and not handled here is
      // a bug, answered as INTERNAL by handle().
      throw std::logic_error("request kind admitted but not dispatched");
  }
}

task requests::handle(session_ptr s, request req) {
  // Validation and the answers that need no store happen outside the coroutine, which then
  // holds little across its one suspension: a small frame that Asio's cache recycles.
  if (!admit(*s, req)) co_return;
  const auto rid = req.request_id();
  try {
    co_await dispatch(s, std::move(req));
    s->request_succeeded();
  } catch (const store::store_error& e) {
    s->send_error(rid, e.code(), e.what());
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", rid, e.what());
    s->send_error(rid, pb::ERROR_CODE_INTERNAL, "internal error");
  }
}

std::optional<std::string> requests::unknown_department(const request& req) const {
  const std::string* named = nullptr;
  if (req.has_join()) named = &req.join().department();
  if (req.has_offline_message()) named = &req.offline_message().department();
  if (req.has_transfer() && !req.transfer().to_department().empty()) {
    named = &req.transfer().to_department();
  }
  if (named == nullptr || ctx_.departments.has(*named)) return std::nullopt;
  return *named;
}

void requests::ack(session& s, std::uint64_t request_id, const std::string& conv,
                   std::uint64_t seq) {
  pb::ServerEnvelope env;
  env.set_request_id(request_id);
  auto* a = env.mutable_ack();
  a->set_conversation_id(conv);
  a->set_seq(seq);
  s.send(env);
}

follow* requests::acting_on(session& s, std::uint64_t request_id, const std::string& conv,
                            core::conversation_action action) {
  auto* f = s.find_follow(conv);
  if (f == nullptr || !f->cursor.is_open()) {
    s.send_error(request_id, pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    return nullptr;
  }
  if (auto bad = core::check_action(f->state, action)) {
    s.send_error(request_id, bad->code, bad->text);
    return nullptr;
  }
  return f;
}

void requests::on_closed(session& s) {
  conns_.remove(s);
  // A draining node hands its users to the others: no grace from here.
  if (node_.draining() || s.user_id().empty() || conns_.has_user(s.role(), s.user_id())) return;
  if (s.role() == pb::ROLE_VISITOR && s.on_site()) {
    // Off the live list soon, unless their next page (a reload) comes first.
    ctx_.spawn(ctx_.store.site_left(s.user_id()), "visitor left the site");
  }
  if (s.role() == pb::ROLE_AGENT) {
    ctx_.spawn(user_left(pb::ROLE_AGENT, s.user_id(), ""), "agent disconnect");
  } else if (s.role() == pb::ROLE_VISITOR && !s.open_conversation().empty()) {
    queue_.unwatch(s.open_conversation());
    ctx_.spawn(user_left(pb::ROLE_VISITOR, s.user_id(), s.open_conversation()),
               "visitor disconnect");
  }
}

task requests::user_left(pb::Role role, std::string user_id, std::string conv) {
  if (role == pb::ROLE_AGENT) {
    co_await ctx_.store.agent_disconnect(user_id, ctx_.options.agent_grace);
  } else {
    store::visitor_presence_params gone{conv, user_id, false, ctx_.options.visitor_grace};
    co_await ctx_.store.visitor_presence(std::move(gone));
  }
}

bool requests::wanted(std::string_view event) const {
  return ctx_.webhooks != nullptr && ctx_.webhooks->wanted(event);
}

}  // namespace lc::service
