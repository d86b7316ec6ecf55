#include "server/store/chat_store.hpp"

#include "server/core/netstring.hpp"
#include "server/store/command.hpp"
#include "server/store/keys.hpp"

namespace lc::store {

namespace pb = livechat::v1;
using detail::at;
using detail::fcall;
using detail::strings_of;
using namespace std::string_view_literals;

namespace {

std::string csv(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

std::string role_arg(pb::Role role) {
  return std::to_string(static_cast<int>(role));
}

// A message's fields as the netstrings lc_post stores in one stream field and appends to the
// wake-up after seq and ts.
std::string message_body(const post_params& p, const std::string& role) {
  const auto kind = std::to_string(static_cast<int>(pb::EVENT_KIND_MESSAGE));
  std::string body;
  body.reserve(48 + p.sender_id.size() + p.sender_name.size() + p.text.size() +
               p.client_msg_id.size());
  for (std::string_view item :
       {"k"sv, std::string_view(kind), "r"sv, std::string_view(role), "id"sv,
        std::string_view(p.sender_id), "n"sv, std::string_view(p.sender_name), "t"sv,
        std::string_view(p.text), "c"sv, std::string_view(p.client_msg_id)}) {
    core::append_netstring(body, item);
  }
  if (!p.attachment.empty()) {
    core::append_netstring(body, "f");
    core::append_netstring(body, p.attachment);
  }
  return body;
}

}  // namespace

task<reply> chat_store::fenced_fcall(const char* function, std::vector<std::string> args) {
  return detail::fenced_fcall(conn_, function, fence_node_, fence_epoch_, std::move(args));
}

task<join_result> chat_store::join(join_params p) {
  std::vector<std::string> args{p.conversation_id,
                                p.visitor_id,
                                p.name,
                                p.email,
                                p.department,
                                p.page_url,
                                p.first_message,
                                p.client_msg_id,
                                p.address.empty() ? std::string() : keys::hex_part(p.address),
                                std::to_string(p.max_queued),
                                std::move(p.form),
                                std::move(p.invitation_id)};
  for (auto& [k, v] : p.metadata) {
    args.push_back(k);
    args.push_back(v);
  }
  auto r = co_await fenced_fcall("lc_join", std::move(args));
  co_return join_result{at(r, 0).as_string(), static_cast<std::uint64_t>(at(r, 1).as_int()),
                        at(r, 2).as_int(), at(r, 3).as_int() == 1, at(r, 4).as_string()};
}

task<std::vector<match_result>> chat_store::match(std::string department, int max,
                                                  std::chrono::milliseconds reassign_after) {
  std::vector<std::string> args{std::move(department), std::to_string(max),
                                std::to_string(reassign_after.count())};
  auto r = co_await fcall(conn_, "lc_match", std::move(args));
  std::vector<match_result> out;
  out.reserve(r.elements.size());
  for (const auto& m : r.elements) {
    out.push_back({at(m, 0).as_string(), at(m, 1).as_string(), at(m, 2).as_int()});
  }
  co_return out;
}

task<post_result> chat_store::post(post_params p) {
  auto role = role_arg(p.role);
  auto body = message_body(p, role);
  std::vector<std::string> args{
      std::move(p.conversation_id),
      std::move(role),
      std::move(p.sender_id),
      std::move(p.client_msg_id),
      p.assignment_epoch == 0 ? std::string() : std::to_string(p.assignment_epoch),
      std::to_string(p.max_before_answer),
      std::move(body)};
  auto r = co_await fenced_fcall("lc_post", std::move(args));
  co_return post_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_int(),
                        at(r, 2).as_int() == 1};
}

task<post_result> chat_store::note(note_params p) {
  std::vector<std::string> args{std::move(p.conversation_id),
                                role_arg(pb::ROLE_AGENT),
                                std::move(p.sender_id),
                                std::move(p.sender_name),
                                std::move(p.client_msg_id),
                                std::move(p.scope),
                                std::move(p.text)};
  auto r = co_await fenced_fcall("lc_note", std::move(args));
  co_return post_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_int(),
                        at(r, 2).as_int() == 1};
}

task<post_result> chat_store::tag(tag_params p) {
  std::vector<std::string> args{std::move(p.conversation_id), std::move(p.sender_id),
                                std::move(p.sender_name), std::move(p.scope), csv(p.tags)};
  auto r = co_await fenced_fcall("lc_tag", std::move(args));
  co_return post_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_int(), false};
}

task<std::optional<std::int64_t>> chat_store::receipt(receipt_params p) {
  std::vector<std::string> args{
      std::move(p.conversation_id), role_arg(p.role),
      std::move(p.sender_id),       p.kind == pb::RECEIPT_KIND_READ ? "read" : "delivered",
      std::to_string(p.seq),        ""};
  auto r = co_await fenced_fcall("lc_signal", std::move(args));
  if (r.as_int() < 0) co_return std::nullopt;
  co_return r.as_int();
}

task<void> chat_store::typing(typing_params p) {
  std::vector<std::string> args{std::move(p.conversation_id), role_arg(p.role),
                                std::move(p.sender_id),       "typing",
                                p.typing ? "1" : "0",         std::move(p.sender_name)};
  if (!p.draft.empty()) args.push_back(std::move(p.draft));
  co_await fenced_fcall("lc_signal", std::move(args));
}

task<close_result> chat_store::close(close_params p) {
  std::vector<std::string> args{std::move(p.conversation_id), role_arg(p.role), std::move(p.by),
                                csv(p.tag_required_in)};
  auto r = co_await fenced_fcall("lc_close", std::move(args));
  co_return close_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_string(),
                         at(r, 2).as_string(), at(r, 3).as_int() == 1};
}

task<void> chat_store::rate(rate_params p) {
  std::vector<std::string> args{std::move(p.conversation_id), std::move(p.visitor_id),
                                std::to_string(p.rating),     std::move(p.comment),
                                std::to_string(p.scale),      std::move(p.answers)};
  co_await fenced_fcall("lc_rate", std::move(args));
}

task<transfer_result> chat_store::transfer(transfer_params p) {
  std::vector<std::string> args{std::move(p.conversation_id),
                                std::move(p.from_agent),
                                std::move(p.to_agent),
                                std::move(p.to_department),
                                std::move(p.note),
                                std::move(p.scope),
                                std::to_string(p.reassign_after.count())};
  auto r = co_await fenced_fcall("lc_transfer", std::move(args));
  co_return transfer_result{at(r, 0).as_string() == "agent", at(r, 1).as_string()};
}

task<post_result> chat_store::supervise(supervise_params p) {
  std::vector<std::string> args{std::move(p.conversation_id),
                                std::move(p.supervisor_id),
                                role_arg(p.role),
                                std::move(p.supervisor_name),
                                std::move(p.scope),
                                p.what == supervise_params::action::monitor ? "monitor" : "barge"};
  auto r = co_await fenced_fcall("lc_supervise", std::move(args));
  co_return post_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_int(),
                        at(r, 2).as_int() == 1};
}

task<std::vector<idle_item>> chat_store::idle(idle_params p) {
  std::vector<idle_item> out;
  if (p.policies.empty()) co_return out;
  std::vector<std::string> args{std::to_string(p.max), std::move(p.text)};
  for (auto& policy : p.policies) {
    args.push_back(std::move(policy.department));
    args.push_back(std::to_string(policy.prompt_after.count()));
    args.push_back(std::to_string(policy.close_after.count()));
  }
  auto r = co_await fenced_fcall("lc_idle", std::move(args));
  for (const auto& e : r.elements) {
    out.push_back({at(e, 0).as_string() == "closed", at(e, 1).as_string(), at(e, 2).as_string()});
  }
  co_return out;
}

task<agent_connect_result> chat_store::agent_connect(agent_connect_params p) {
  std::vector<std::string> args{std::move(p.agent_id), std::move(p.name),
                                std::to_string(p.capacity), csv(p.departments)};
  auto all = strings_of(co_await fenced_fcall("lc_agent_connect", std::move(args)));
  agent_connect_result out;
  if (!all.empty()) {
    out.status = presence_from_name(all.front());
    out.conversations.assign(all.begin() + 1, all.end());
  }
  co_return out;
}

task<std::vector<std::string>> chat_store::presence(presence_params p) {
  std::vector<std::string> args{std::move(p.agent_id), presence_name(p.status),
                                std::to_string(p.capacity)};
  co_return strings_of(co_await fenced_fcall("lc_presence", std::move(args)));
}

task<std::vector<std::string>> chat_store::agent_disconnect(std::string agent,
                                                            std::chrono::milliseconds grace) {
  std::vector<std::string> args{std::move(agent), std::to_string(grace.count())};
  co_return strings_of(co_await fenced_fcall("lc_agent_disconnect", std::move(args)));
}

task<void> chat_store::visitor_presence(visitor_presence_params p) {
  std::vector<std::string> args{std::move(p.conversation_id), std::move(p.visitor_id),
                                p.connected ? "1" : "0", std::to_string(p.grace.count())};
  co_await fenced_fcall("lc_visitor_presence", std::move(args));
}

task<std::vector<sweep_item>> chat_store::sweep(sweep_params p) {
  std::vector<std::string> args{std::to_string(p.max), std::to_string(p.agent_grace.count()),
                                std::to_string(p.visitor_grace.count()),
                                p.reassign_sets_away ? "1" : "0"};
  auto r = co_await fcall(conn_, "lc_sweep", std::move(args));
  std::vector<sweep_item> out;
  for (const auto& e : r.elements) {
    const auto& kind = at(e, 0).as_string();
    auto what = kind == "abandoned"    ? sweep_item::outcome::abandoned
                : kind == "reassigned" ? sweep_item::outcome::reassigned
                                       : sweep_item::outcome::requeued;
    out.push_back({what, at(e, 1).as_string(), at(e, 2).as_string()});
  }
  co_return out;
}

task<bool> chat_store::archived(std::string conv, std::chrono::milliseconds keep,
                                std::uint32_t rating) {
  std::vector<std::string> args{std::move(conv), std::to_string(keep.count()),
                                rating == 0 ? std::string() : std::to_string(rating)};
  auto r = co_await fcall(conn_, "lc_archived", std::move(args));
  co_return r.as_int() == 1;
}

task<std::int64_t> chat_store::backfill(std::uint32_t count) {
  std::vector<std::string> args{std::to_string(count)};
  auto r = co_await fcall(conn_, "lc_backfill", std::move(args));
  co_return r.as_int();
}

task<std::vector<std::string>> chat_store::erase_visitor(std::string visitor) {
  std::vector<std::string> args{std::move(visitor)};
  auto r = co_await fcall(conn_, "lc_erase_visitor", std::move(args));
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.as_string());
  co_return out;
}

task<std::int64_t> chat_store::offline_leave(offline_params p) {
  std::vector<std::string> args{std::move(p.id),    std::move(p.visitor_id), std::move(p.name),
                                std::move(p.email), std::move(p.department), std::move(p.text)};
  auto r = co_await fcall(conn_, "lc_offline_leave", std::move(args));
  co_return r.as_int();
}

task<std::int64_t> chat_store::offline_replied(std::string id, std::string agent) {
  std::vector<std::string> args{std::move(id), std::move(agent)};
  auto r = co_await fcall(conn_, "lc_offline_replied", std::move(args));
  co_return r.as_int();
}

task<page_view_result> chat_store::page_view(page_view_params p) {
  std::vector<std::string> args{std::move(p.visitor),   std::move(p.url),
                                std::move(p.title),     std::move(p.referrer),
                                std::move(p.browser),   std::move(p.os),
                                std::move(p.device),    std::move(p.language),
                                std::move(p.time_zone), std::to_string(p.utc_offset_minutes)};
  auto r = co_await fenced_fcall("lc_page_view", std::move(args));
  page_view_result out{at(r, 0).as_int(), static_cast<std::uint64_t>(at(r, 1).as_int()),
                       static_cast<std::uint32_t>(at(r, 2).as_int()), std::nullopt};
  if (r.elements.size() >= 3 + invitation_fields) {
    out.invitation =
        decode_invitation(std::span<const reply>(r.elements).subspan(3, invitation_fields));
  }
  co_return out;
}

task<invite_result> chat_store::invite(invite_params p) {
  std::vector<std::string> args{
      std::move(p.visitor),          p.invitation_id, std::move(p.agent), p.department, p.text,
      std::to_string(p.ttl.count()), p.rule};
  auto r = co_await fenced_fcall("lc_invite", std::move(args));
  invite_result out;
  if (r.elements.size() != invitation_fields + 1) co_return out;  // a rule's, not made
  out.invitation = decode_invitation(std::span<const reply>(r.elements).first(invitation_fields));
  out.site_node = at(r, invitation_fields).as_string();
  co_return out;
}

task<bool> chat_store::decline_invitation(std::string visitor, std::string id) {
  std::vector<std::string> args{std::move(visitor), std::move(id)};
  auto r = co_await fenced_fcall("lc_decline_invitation", std::move(args));
  co_return r.as_int() == 1;
}

task<void> chat_store::site_alive(std::vector<std::string> visitors) {
  if (visitors.empty()) co_return;
  co_await fenced_fcall("lc_site_alive", std::move(visitors));
}

task<void> chat_store::site_left(std::string visitor) {
  std::vector<std::string> args{std::move(visitor)};
  co_await fenced_fcall("lc_site_left", std::move(args));
}

task<std::int64_t> chat_store::revoke_agent(std::string agent) {
  keys::operator_part(agent);
  std::vector<std::string> args;
  args.push_back(std::move(agent));
  auto r = co_await fcall(conn_, "lc_revoke", std::move(args));
  co_return r.as_int();
}

task<std::int64_t> chat_store::lease(std::string node, std::chrono::milliseconds ttl,
                                     std::int64_t epoch) {
  std::vector<std::string> args{std::move(node), std::to_string(ttl.count()),
                                std::to_string(epoch)};
  auto r = co_await fcall(conn_, "lc_lease", std::move(args));
  co_return r.as_int();
}

task<void> chat_store::release(std::string node, std::int64_t epoch) {
  std::vector<std::string> args{std::move(node), std::to_string(epoch)};
  co_await fcall(conn_, "lc_release", std::move(args));
}

}  // namespace lc::store
