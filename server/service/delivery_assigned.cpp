// Agents' side of delivery: the Assigned push (visitor context and a first page of history),
// its retries, and keeping a console's set of conversations in step with Redis.
#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/core/chat_form.hpp"
#include "server/record/history.hpp"
#include "server/service/delivery.hpp"
#include "server/service/matcher.hpp"
#include "server/service/record_call.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;

namespace {

// History that rides in the Assigned frame; the rest follows as events, paged like catch-up.
constexpr std::uint32_t assigned_history_page = 100;
constexpr std::uint32_t previous_shown = 5;
constexpr int assign_attempts = 20;
constexpr std::chrono::milliseconds assign_retry{500};

void fill_visitor(pb::VisitorContext& v, const store::conversation_record& rec,
                  const std::vector<store::conversation_record>& previous) {
  v.set_visitor_id(rec.visitor_id);
  v.set_display_name(rec.visitor_name);
  v.set_email(rec.email);
  v.set_page_url(rec.page_url);
  v.mutable_metadata()->insert(rec.metadata.begin(), rec.metadata.end());
  for (auto& a : core::decode_answers(rec.form)) *v.add_form() = std::move(a);
  for (const auto& old : previous) {
    auto* p = v.add_previous_conversations();
    p->set_conversation_id(old.id);
    p->set_joined_at_ms(old.joined_ms);
    p->set_closed_at_ms(old.closed_ms);
    p->set_agent_id(old.agent_id);
    p->set_department(old.department);
    p->set_first_message(old.first_message);
    p->set_rating(old.rating);
  }
}

}  // namespace

void delivery::on_assigned(const store::assigned_wakeup& w) {
  conns_.for_user(pb::ROLE_AGENT, w.agent_id, [&](session& s) {
    // A supervisor given the chat they watch (they took it over): the watch ends, and the chat
    // comes as any assignment does, with its epoch, to hold.
    if (auto* f = s.find_follow(w.conversation_id);
        f != nullptr && f->assignment_epoch == 0 && f->cursor.is_open() && s.agent().supervises()) {
      s.unfollow(w.conversation_id);
    }
    // A console still saying hello gets it from the Hello's own sync.
    if (!s.welcomed() || s.find_follow(w.conversation_id) != nullptr) return;
    ctx_.spawn(push_assigned(s.shared_from_this(), w.conversation_id, 0), "assign");
  });
}

void delivery::on_unassigned(const store::unassigned_wakeup& w) {
  frame f;
  conns_.for_user(pb::ROLE_AGENT, w.agent_id, [&](session& s) {
    if (s.find_follow(w.conversation_id) == nullptr) return;
    if (!f) {
      pb::ServerEnvelope env;
      env.mutable_unassigned()->set_conversation_id(w.conversation_id);
      env.mutable_unassigned()->set_reason("reassigned");
      f = encode(env);
    }
    s.send(f);
    s.unfollow(w.conversation_id);
  });
}

task delivery::push_assigned(session_ptr s, std::string conv, std::uint64_t after_seq) {
  asio::steady_timer retry(ctx_.io);
  for (int attempt = 0; attempt < assign_attempts && !s->closed(); ++attempt) {
    bool done = false;
    try {
      co_await assign_once(s, conv, after_seq, done);
    } catch (const store::store_error& e) {
      spdlog::warn("assign {} to {}: {} (retrying)", conv, s->user_id(), e.what());
      // An unopened follow left behind would make every later push skip the conversation.
      if (auto* f = s->find_follow(conv); f != nullptr && !f->cursor.is_open()) s->unfollow(conv);
    }
    if (done) co_return;
    retry.expires_after(assign_retry);
    co_await retry.async_wait(asio::use_awaitable);
  }
}

task delivery::assign_once(const session_ptr& s, const std::string& conv, std::uint64_t after_seq,
                           bool& done) {
  done = true;
  if (s->closed() || s->find_follow(conv) != nullptr) co_return;  // another push has it
  auto* f = s->follow_conversation(conv, core::delivery_cursor(after_seq + 1, /*open=*/false),
                                   conns_.followers());
  const auto token = f->token;
  f->cursor.read_started();  // events announced meanwhile are held until the Assigned is out
  done = false;
  auto& reads = assign_reads_.reads();
  auto rec = co_await reads.conversation(conv);
  done = true;
  if (s->find_follow(conv, token) == nullptr) co_return;
  if (!rec || rec->agent_id != s->user_id() || rec->state != pb::CONVERSATION_STATE_ASSIGNED) {
    s->unfollow(conv);
    co_return;
  }
  done = false;
  auto history = co_await reads.events(conv, after_seq, assigned_history_page);
  std::vector<store::conversation_record> previous;
  auto previous_ids = co_await reads.visitor_conversations(rec->visitor_id, previous_shown + 1);
  for (const auto& id : previous_ids) {
    if (id == conv || previous.size() >= previous_shown) continue;
    auto old = co_await reads.conversation(id);
    if (old) previous.push_back(std::move(*old));
  }
  // Redis keeps closed conversations only for a window: the older ones come from the record.
  if (previous.size() < previous_shown && ctx_.record != nullptr) {
    record::history_query q;
    q.visitor = rec->visitor_id;
    q.admin = true;  // the visitor's own history, for the agent now assigned to them
    q.limit = previous_shown + 1;
    record_work<record::history_page> find = [q](record::pg_connection& db) {
      return record::search_history(db, q);
    };
    try {
      auto page = co_await on_record(ctx_.io, *ctx_.record, std::move(find));
      for (const auto& h : page.hits) {
        const bool known = h.id == conv || std::any_of(previous.begin(), previous.end(),
                                                       [&](const auto& p) { return p.id == h.id; });
        if (known || previous.size() >= previous_shown) continue;
        store::conversation_record old;
        old.id = h.id;
        old.joined_ms = h.joined_ms;
        old.closed_ms = h.closed_ms;
        old.agent_id = h.agent_id;
        old.department = h.department;
        old.first_message = h.first_message;
        old.rating = h.rating;
        previous.push_back(std::move(old));
      }
    } catch (const std::exception& e) {
      // The archive unreachable: the console gets what Redis still had.
      spdlog::debug("assigned {}: previous conversations from the record: {}", conv, e.what());
    }
  }
  // Where the visitor is on the site now, and the pages of this visit (PageView).
  auto visit = co_await reads.site_visit(rec->visitor_id);
  done = true;
  f = s->find_follow(conv, token);
  if (f == nullptr) co_return;

  pb::ServerEnvelope env;
  auto* a = env.mutable_assigned();
  a->set_conversation_id(conv);
  a->set_agent_id(s->user_id());
  a->set_agent_name(rec->agent_name);
  a->set_department(rec->department);
  a->set_epoch(rec->epoch);
  a->set_joined_at_ms(rec->joined_ms);
  fill_visitor(*a->mutable_visitor(), *rec, previous);
  if (visit) {
    *a->mutable_visitor()->mutable_site() = std::move(visit->visitor);
    for (auto& p : visit->pages) *a->mutable_visitor()->add_pages() = std::move(p);
  }
  const auto last = history.empty() ? after_seq : history.back().seq();
  const bool complete = history.size() < assigned_history_page;
  for (auto& e : history) *a->add_history() = std::move(e);
  f->state = pb::CONVERSATION_STATE_ASSIGNED;
  f->department = rec->department;
  f->assignment_epoch = rec->epoch;
  s->send(env);
  f->cursor.open(last + 1, complete);
  pump(*s, conv);
}

task delivery::sync_assignments(session_ptr s) {
  // A console still saying hello runs this itself once its Welcome is out.
  if (s->closed() || s->role() != pb::ROLE_AGENT || !s->welcomed()) co_return;
  auto convs = co_await assign_reads_.reads().agent_conversations(s->user_id());
  for (const auto& conv : convs) {
    if (s->closed()) co_return;
    if (s->find_follow(conv) == nullptr) co_await push_assigned(s, conv, 0);
  }
}

}  // namespace lc::service
