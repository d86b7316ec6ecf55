// Requests only staff make beyond chatting: a conversation's tags, watching and barging into it
// (supervisors), and following the board. Internal notes, whispers included, go through
// send_message with `note` set.
#include <algorithm>

#include "server/record/audit_log.hpp"
#include "server/record/team_lists.hpp"
#include "server/service/board_feed.hpp"
#include "server/service/delivery.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/monitor.hpp"
#include "server/service/record_call.hpp"
#include "server/service/requests.hpp"

namespace lc::service {

namespace pb = livechat::v1;

std::string supervision_scope(const core::agent_claims& who) {
  if (who.admin()) return "*";
  std::string scope;
  for (const auto& d : who.departments) scope += (scope.empty() ? "" : ",") + d;
  return scope;
}

boost::asio::awaitable<std::vector<std::string>> requests::tags_not_offered(
    std::vector<std::string> tags) {
  if (ctx_.record == nullptr || tags.empty()) co_return std::vector<std::string>{};
  record_work<std::vector<std::string>> list = [](record::pg_connection& db) {
    return record::list_tags(db);
  };
  const auto offered = co_await on_record(ctx_.io, *ctx_.record, std::move(list));
  std::vector<std::string> out;
  for (auto& t : tags) {
    if (std::find(offered.begin(), offered.end(), t) == offered.end()) out.push_back(std::move(t));
  }
  co_return out;
}

task requests::set_tags(session_ptr s, request req) {
  const auto& t = req.set_tags();
  const auto& conv = t.conversation_id();
  // A supervisor's scope also when following it (watching is a follow, not holding it).
  std::string scope;
  if (s->agent().supervises()) {
    scope = supervision_scope(s->agent());
  } else if (s->find_follow(conv) == nullptr) {
    s->send_error(req.request_id(), pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  std::vector<std::string> tags(t.tags().begin(), t.tags().end());
  std::vector<std::string> unknown;
  bool record_down = false;
  try {
    unknown = co_await tags_not_offered(tags);
  } catch (const std::exception&) {
    record_down = true;
  }
  if (s->closed()) co_return;
  if (record_down) {
    s->send_error(req.request_id(), pb::ERROR_CODE_UNAVAILABLE,
                  "the list of tags is unavailable; try again");
    co_return;
  }
  if (!unknown.empty()) {
    s->send_error(req.request_id(), pb::ERROR_CODE_INVALID_ARGUMENT,
                  "tag '" + unknown.front() + "' is not one the team offers");
    co_return;
  }
  store::tag_params params{conv, s->user_id(), s->display_name(), scope, tags};
  auto r = co_await ctx_.store.tag(std::move(params));
  ack(*s, req.request_id(), conv, r.seq);
  pb::ChatEvent event;
  event.set_conversation_id(conv);
  event.set_seq(r.seq);
  event.set_kind(pb::EVENT_KIND_TAGGED);
  event.set_sender_role(pb::ROLE_AGENT);
  event.set_sender_id(s->user_id());
  event.set_sender_name(s->display_name());
  std::string csv;
  for (const auto& tag : tags) csv += (csv.empty() ? "" : ",") + tag;
  event.set_text(csv);
  event.set_at_ms(r.at_ms);
  deliver_.on_own_event(event);
}

void requests::audit(const session& s, const char* action, const std::string& conv,
                     std::string detail_json) const {
  if (ctx_.record == nullptr) return;
  ctx_.record->submit(
      [actor = s.user_id(), what = std::string(action), conv,
       detail = std::move(detail_json)](record::pg_connection& db) {
        record::audit(db, actor, what, conv, detail, wall_clock_ms());
      },
      [](const std::exception_ptr&) {});
}

// The live conversation a supervisor may act on: of their departments (an admin's: any) and not
// closed; else the error is sent and nothing returned.
boost::asio::awaitable<std::optional<store::conversation_record>> requests::supervisable(
    session_ptr s, std::uint64_t request_id, std::string conv) {
  const auto& who = s->agent();
  if (!who.supervises()) {
    s->send_error(request_id, pb::ERROR_CODE_FORBIDDEN,
                  "only supervisors and admins watch and join conversations");
    co_return std::nullopt;
  }
  auto c = co_await ctx_.reads.conversation(conv);
  if (s->closed()) co_return std::nullopt;
  const auto& mine = who.departments;
  if (!c || (!who.admin() && std::find(mine.begin(), mine.end(), c->department) == mine.end())) {
    s->send_error(request_id, pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return std::nullopt;
  }
  if (c->state == pb::CONVERSATION_STATE_CLOSED) {
    s->send_error(request_id, pb::ERROR_CODE_CONFLICT, "conversation is closed");
    co_return std::nullopt;
  }
  co_return c;
}

task requests::watch(session_ptr s, request req) {
  const auto& w = req.watch();
  const auto& conv = w.conversation_id();
  if (w.stop()) {
    // Only a watch ends so: a chat the supervisor holds stays theirs.
    const auto* f = s->find_follow(conv);
    if (s->agent().supervises() && f != nullptr && f->assignment_epoch == 0) s->unfollow(conv);
    ack(*s, req.request_id(), conv);
    co_return;
  }
  auto c = co_await supervisable(s, req.request_id(), conv);
  if (!c) co_return;
  const bool already = s->find_follow(conv) != nullptr;
  if (!already) {
    // A staff-only MONITORED event: the chat's agent sees who is watching.
    store::supervise_params p{store::supervise_params::action::monitor,
                              conv,
                              s->user_id(),
                              s->display_name(),
                              supervision_scope(s->agent()),
                              s->agent().admin() ? pb::ROLE_ADMIN : pb::ROLE_SUPERVISOR};
    co_await ctx_.store.supervise(std::move(p));
    if (s->closed()) co_return;
  }
  ack(*s, req.request_id(), conv);
  if (!already) {
    monitor_.watch(*s, conv, c->state);
    audit(*s, "monitor", conv, "{}");
  }
}

task requests::barge_in(session_ptr s, request req) {
  const auto& conv = req.barge_in().conversation_id();
  auto c = co_await supervisable(s, req.request_id(), conv);
  if (!c) co_return;
  store::supervise_params p{store::supervise_params::action::barge_in,
                            conv,
                            s->user_id(),
                            s->display_name(),
                            supervision_scope(s->agent()),
                            s->agent().admin() ? pb::ROLE_ADMIN : pb::ROLE_SUPERVISOR};
  auto r = co_await ctx_.store.supervise(std::move(p));
  if (s->closed()) co_return;
  ack(*s, req.request_id(), conv, r.seq);
  // A participant from now on: following it as a watch does (the BARGED_IN event comes with it).
  if (s->find_follow(conv) == nullptr) monitor_.watch(*s, conv, c->state);
  if (!r.duplicate) audit(*s, "barge_in", conv, "{}");
}

task requests::follow_board(session_ptr s, request req) {
  ack(*s, req.request_id(), "");
  if (req.follow_board().on()) {
    board_.follow(*s);
  } else {
    board_.unfollow(*s);
  }
  co_return;
}

}  // namespace lc::service
