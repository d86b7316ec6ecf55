#include "server/service/invitation_desk.hpp"

#include <chrono>

#include "server/core/ids.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/session.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {

constexpr auto rules_every = std::chrono::seconds(2);
// An invitation nobody answers stops showing after this.
constexpr auto invitation_ttl = std::chrono::minutes(10);

bool may_invite_for(const core::agent_claims& who, const std::string& department) {
  if (who.admin()) return true;
  for (const auto& d : who.departments) {
    if (d == department) return true;
  }
  return false;
}

}  // namespace

invitation_desk::invitation_desk(const service_context& ctx, connections& conns)
    : ctx_(ctx), conns_(conns), timer_(ctx.io) {}

void invitation_desk::start() {
  schedule();
}

void invitation_desk::stop() {
  stopped_ = true;
  timer_.cancel();
}

void invitation_desk::schedule() {
  if (stopped_) return;
  timer_.expires_after(rules_every);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    ctx_.spawn(apply_rules(), "trying the invitation rules");
  });
}

boost::asio::awaitable<std::optional<core::error>> invitation_desk::invite(session_ptr staff,
                                                                           pb::Invite m) {
  std::string department = m.department();
  const auto& who = staff->agent();
  if (department.empty()) {
    department = !who.departments.empty()          ? who.departments.front()
                 : !ctx_.departments.ids().empty() ? ctx_.departments.ids().front()
                                                   : std::string();
  }
  if (!ctx_.departments.has(department)) {
    co_return core::error{pb::ERROR_CODE_NOT_FOUND, "no such department"};
  }
  if (!may_invite_for(who, department)) {
    co_return core::error{pb::ERROR_CODE_FORBIDDEN, "you may invite only for your own departments"};
  }
  store::invite_params p{m.visitor_id(),
                         core::issued_id('i'),
                         staff->user_id(),
                         department,
                         m.text(),
                         invitation_ttl,
                         ""};
  auto r = co_await ctx_.store.invite(std::move(p));
  if (!r.invitation) co_return core::error{pb::ERROR_CODE_CONFLICT, "visitor could not be invited"};
  ctx_.metrics.add("livechat_invitations_total", 1, {{"by", "agent"}});
  show(m.visitor_id(), *r.invitation);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<core::error>> invitation_desk::decline(
    session_ptr visitor, std::string invitation_id) {
  const bool declined = co_await ctx_.store.decline_invitation(visitor->user_id(), invitation_id);
  if (!declined) co_return core::error{pb::ERROR_CODE_NOT_FOUND, "no such invitation"};
  ctx_.metrics.add("livechat_invitations_declined_total", 1);
  // The visitor's other tabs here stop showing it.
  conns_.for_user(pb::ROLE_VISITOR, visitor->user_id(), [&](session& tab) {
    if (auto* page = tab.page_if(); page != nullptr && page->shown_invitation == invitation_id) {
      page->invitation_until_ms = 0;
    }
  });
  co_return std::nullopt;
}

void invitation_desk::on_page_view(session& s, const std::string& url,
                                   const store::page_view_result& r) {
  auto& page = s.page();
  if (page.url != url) {
    page.url = url;
    page.since_ms = wall_clock_ms();
    page.rules_tried.clear();
  }
  page.previous_chats = r.chats;
  // A new page of a site without client-side routing is a new connection, which has shown
  // nothing yet; a route change within one page is not shown it twice.
  if (r.invitation) show(s.user_id(), *r.invitation);
}

void invitation_desk::on_wakeup(const std::string& visitor) {
  if (!conns_.has_user(pb::ROLE_VISITOR, visitor)) return;
  ctx_.spawn(show_pending(visitor), "showing an invitation");
}

// A member, not a lambda: a coroutine lambda's captures die with the lambda, before the frame.
task invitation_desk::show_pending(std::string visitor) {
  if (auto inv = co_await ctx_.reads.invitation(visitor)) show(visitor, *inv);
}

void invitation_desk::show(const std::string& visitor, const pb::Invitation& inv) {
  pb::ServerEnvelope env;
  *env.mutable_invitation() = inv;
  conns_.for_user(pb::ROLE_VISITOR, visitor, [&](session& s) {
    if (!s.welcomed() || !s.open_conversation().empty()) return;
    auto& page = s.page();
    if (page.shown_invitation == inv.invitation_id()) return;
    page.shown_invitation = inv.invitation_id();
    page.invitation_until_ms = inv.expires_at_ms();
    s.send(env);
  });
}

task invitation_desk::apply_rules() {
  const auto ruled = ctx_.departments.with_invitation_rules();
  if (!ruled.empty()) {
    const auto now = wall_clock_ms();
    for (const auto& visitor : conns_.site_visitors()) {
      // One candidate per visitor: their first tab here that is on a page and not chatting.
      struct candidate {
        std::string department, rule, text;
      };
      std::optional<candidate> chosen;
      conns_.for_user(pb::ROLE_VISITOR, visitor, [&](session& s) {
        auto* page = s.page_if();
        if (chosen || page == nullptr || page->url.empty() || !s.open_conversation().empty() ||
            page->invitation_until_ms > now) {
          return;
        }
        const auto seconds = static_cast<std::uint32_t>((now - page->since_ms) / 1000);
        const auto& offered = s.widget_departments();
        for (const auto* d : ruled) {
          const auto& id = d->settings.id;
          if (!offered.empty() && std::find(offered.begin(), offered.end(), id) == offered.end()) {
            continue;
          }
          if (!d->hours.open_at(now)) continue;
          for (std::size_t i = 0; i < d->invitation_rules.size(); ++i) {
            const auto& rule = d->invitation_rules[i];
            auto key = id + "#" + std::to_string(i);
            if (std::find(page->rules_tried.begin(), page->rules_tried.end(), key) !=
                page->rules_tried.end()) {
              continue;
            }
            if (!core::rule_matches(rule, page->url, seconds, page->previous_chats)) continue;
            page->rules_tried.push_back(key);
            chosen = candidate{id, std::move(key), rule.text};
            return;
          }
        }
      });
      if (!chosen || stopped_) continue;
      store::invite_params p{visitor,      core::issued_id('i'), "",          chosen->department,
                             chosen->text, invitation_ttl,       chosen->rule};
      try {
        auto r = co_await ctx_.store.invite(std::move(p));
        if (r.invitation) {
          ctx_.metrics.add("livechat_invitations_total", 1, {{"by", "rule"}});
          show(visitor, *r.invitation);
        }
      } catch (const std::exception&) {
        // The visitor left meanwhile (NOT_FOUND) or Redis is away: the next page tries again.
      }
    }
  }
  schedule();
}

}  // namespace lc::service
