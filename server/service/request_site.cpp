// Where a visitor is on the site: the widget's PageView, for the live visitor list and, during
// a chat, the agent's view of the visitor's context (NAVIGATED events); and the invitations
// staff send to visitors on the site, and their answers.
#include "server/core/user_agent.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/invitation_desk.hpp"
#include "server/service/requests.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {

// A single-page app may change route in a burst; more than this is a client gone wrong.
constexpr std::int64_t page_view_every_ms = 250;

}  // namespace

task requests::page_view(session_ptr s, request req) {
  const auto& v = req.page_view();
  if (!s->page_view_due(wall_clock_ms(), page_view_every_ms)) {
    s->send_error(req.request_id(), pb::ERROR_CODE_RATE_LIMITED, "at most 4 page views a second");
    co_return;
  }
  const auto ua = core::summarize_user_agent(v.user_agent());
  store::page_view_params p{
      s->user_id(), v.url(),   v.title(),    v.referrer(),  ua.browser,
      ua.os,        ua.device, v.language(), v.time_zone(), v.utc_offset_minutes()};
  auto r = co_await ctx_.store.page_view(std::move(p));
  ctx_.metrics.add("livechat_page_views_total", 1);
  ack(*s, req.request_id(), "");
  if (ctx_.invitations != nullptr) ctx_.invitations->on_page_view(*s, v.url(), r);
}

task requests::invite(session_ptr s, request req) {
  auto wrong = co_await ctx_.invitations->invite(s, std::move(*req.mutable_invite()));
  if (wrong) {
    s->send_error(req.request_id(), wrong->code, wrong->text);
  } else {
    ack(*s, req.request_id(), "");
  }
}

task requests::decline_invitation(session_ptr s, request req) {
  auto wrong = co_await ctx_.invitations->decline(
      s, std::move(*req.mutable_decline_invitation()->mutable_invitation_id()));
  if (wrong) {
    s->send_error(req.request_id(), wrong->code, wrong->text);
  } else {
    ack(*s, req.request_id(), "");
  }
}

}  // namespace lc::service
