// Requests only staff make about a conversation beyond chatting in it: its tags, and watching
// it (supervisors). Internal notes, whispers included, go through send_message with `note` set.
#include <algorithm>

#include "server/record/audit_log.hpp"
#include "server/record/team_lists.hpp"
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

task requests::watch(session_ptr s, request req) {
  const auto& w = req.watch();
  const auto& conv = w.conversation_id();
  const auto& who = s->agent();
  if (!who.supervises()) {
    s->send_error(req.request_id(), pb::ERROR_CODE_FORBIDDEN,
                  "only supervisors and admins watch conversations");
    co_return;
  }
  if (w.stop()) {
    s->unfollow(conv);
    ack(*s, req.request_id(), conv);
    co_return;
  }
  auto c = co_await ctx_.reads.conversation(conv);
  if (s->closed()) co_return;
  const auto& mine = who.departments;
  if (!c || (!who.admin() && std::find(mine.begin(), mine.end(), c->department) == mine.end())) {
    s->send_error(req.request_id(), pb::ERROR_CODE_NOT_FOUND, "no such conversation");
    co_return;
  }
  if (c->state == pb::CONVERSATION_STATE_CLOSED) {
    s->send_error(req.request_id(), pb::ERROR_CODE_CONFLICT, "conversation is closed");
    co_return;
  }
  ack(*s, req.request_id(), conv);
  if (s->find_follow(conv) == nullptr) monitor_.watch(*s, conv, c->state);
  // Who watched what is the team's business: in the audit log (the conversation's history stays
  // what its participants did).
  if (ctx_.record != nullptr) {
    const auto actor = s->user_id();
    ctx_.record->submit(
        [actor, conv](record::pg_connection& db) {
          record::audit(db, actor, "monitor", conv, "{}", wall_clock_ms());
        },
        [](const std::exception_ptr&) {});
  }
}

}  // namespace lc::service
