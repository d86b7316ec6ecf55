#include "server/service/archiver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/core/chat_form.hpp"
#include "server/core/response_clock.hpp"
#include "server/record/history.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/record_call.hpp"
#include "server/service/webhook_desk.hpp"

namespace lc::service {

namespace pb = livechat::v1;

namespace {
constexpr std::uint32_t catch_up_batch = 100;
constexpr std::size_t max_running = 32;  // archives in flight on this node
// Pending longer than this: the archive is behind (an alert, and /readyz says degraded).
constexpr std::int64_t degraded_after_ms = 5LL * 60 * 1000;
constexpr std::size_t retention_batch = 500;
constexpr std::uint32_t backfill_step = 1000;  // keys scanned per tick

std::vector<std::string> split_tags(std::string_view csv) {
  std::vector<std::string> out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    if (comma != 0) out.emplace_back(csv.substr(0, comma));
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

record::conversation_archive build_archive(const store::conversation_record& c,
                                           const std::vector<pb::ChatEvent>& events,
                                           std::int64_t now_ms) {
  std::vector<core::clock_event> clock;
  clock.reserve(events.size());
  record::conversation_archive a;
  for (const auto& e : events) {
    clock.push_back(
        {e.kind(), e.sender_role(), e.sender_id(), e.agent_id(), e.department(), e.at_ms()});
    if (!e.agent_id().empty() &&
        std::find(a.agents.begin(), a.agents.end(), e.agent_id()) == a.agents.end()) {
      a.agents.push_back(e.agent_id());
    }
    // Each TAGGED event holds the whole list: the last one is the conversation's.
    if (e.kind() == pb::EVENT_KIND_TAGGED) a.tags = split_tags(e.text());
  }
  if (!c.agent_id.empty() &&
      std::find(a.agents.begin(), a.agents.end(), c.agent_id) == a.agents.end()) {
    a.agents.push_back(c.agent_id);
  }
  const auto times = core::measure_conversation(clock);
  a.id = c.id;
  a.visitor_id = c.visitor_id;
  a.visitor_name = c.visitor_name;
  a.email = c.email;
  a.department = c.department;
  a.page_url = c.page_url;
  a.agent_id = c.agent_id;
  a.agent_name = c.agent_name;
  a.joined_ms = c.joined_ms;
  a.assigned_ms = c.assigned_ms;
  a.closed_ms = c.closed_ms;
  a.first_message = c.first_message;
  a.rating = c.rating;
  a.rating_scale = c.rating_scale;
  a.comment = c.comment;
  a.form = core::decode_answers(c.form);
  a.survey_answers = core::decode_answers(c.survey_answers);
  a.missed = times.missed;
  a.visitor_messages = times.visitor_messages;
  a.agent_messages = times.agent_messages;
  a.metadata = c.metadata;
  a.events = events;
  a.archived_ms = now_ms;
  std::string last_agent, department = c.department;
  for (std::size_t i = 0; i < times.measurements.size(); ++i) {
    const auto& m = times.measurements[i];
    a.measurements.push_back({core::measure_name(m.what), static_cast<std::uint32_t>(i),
                              m.department, m.agent_id, m.value_ms, m.at_ms});
    if (!m.agent_id.empty()) last_agent = m.agent_id;
    department = m.department;
  }
  if (times.missed) {
    a.measurements.push_back({"missed", 0, department, last_agent, 1, times.closed_at_ms});
  }
  if (times.idle_closed) {
    a.measurements.push_back({"idle_closed", 0, department, last_agent, 1, times.closed_at_ms});
  }
  if (c.rating != 0) {
    // Reports average ratings across departments: each is measured on the 1..5 scale, whatever
    // the survey's (thumbs up is 5, down 1); the conversation keeps the rating as given.
    const std::int64_t scale = c.rating_scale > 1 ? c.rating_scale : 5;
    const std::int64_t given = std::min<std::int64_t>(c.rating, scale);
    const std::int64_t on_five = 1 + (4 * (given - 1) + (scale - 1) / 2) / (scale - 1);
    a.measurements.push_back({"rating", 0, c.department, c.agent_id, on_five,
                              c.rated_ms != 0 ? c.rated_ms : c.closed_ms});
  }
  return a;
}

void archiver::archive(const std::string& conv) {
  auto& running = marks_->running;
  if (ctx_.record == nullptr || running.count(conv) || running.size() >= max_running) return;
  running.insert(conv);
  ctx_.spawn(run(conv), "archive");
}

task archiver::run(std::string conv) {
  struct release {
    std::shared_ptr<marks> m;
    std::string conv;
    ~release() { m->running.erase(conv); }
  } guard{marks_, conv};
  auto rec = co_await ctx_.reads.conversation(conv);
  if (!rec || rec->state != pb::CONVERSATION_STATE_CLOSED) {
    // Erased or expired meanwhile: nothing left to archive, and nothing pending for it.
    co_await ctx_.store.archived(conv, ctx_.options.keep_closed, 0);
    co_return;
  }
  auto events = co_await ctx_.reads.events(conv, 0);
  auto record =
      std::make_shared<record::conversation_archive>(build_archive(*rec, events, wall_clock_ms()));
  bool created = false;
  record_work<bool> write = [record](record::pg_connection& db) {
    return record::write_archive(db, *record);
  };
  try {
    created = co_await on_record<bool>(ctx_.io, *ctx_.record, std::move(write));
  } catch (const std::exception& e) {
    ctx_.metrics.add("livechat_archive_failures_total", 1);
    spdlog::warn("archive {}: {} (kept in Redis; retried)", conv, e.what());
    co_return;
  }
  if (created) {
    // Observed once per conversation: by the node whose write created the record.
    for (const auto& m : record->measurements) {
      if (m.measure == "queue_wait" || m.measure == "missed" || m.measure == "rating") continue;
      ctx_.metrics.observe("livechat_" + m.measure + "_seconds",
                           static_cast<double>(m.value) / 1000, {{"department", m.department}});
    }
    if (record->missed) {
      ctx_.metrics.add("livechat_missed_conversations_total", 1,
                       {{"department", record->department}});
    }
    if (ctx_.webhooks != nullptr && ctx_.webhooks->wanted("conversation.closed")) {
      ctx_.webhooks->emit(webhook_payloads::closed(*record));
    }
  }
  if (!co_await ctx_.store.archived(conv, ctx_.options.keep_closed, rec->rating)) {
    // Rated meanwhile: once more, with the rating.
    marks_->running.erase(conv);
    guard.conv.clear();
    archive(conv);
    co_return;
  }
  ctx_.metrics.add("livechat_archived_total", 1);
}

void archiver::tick() {
  if (ctx_.record == nullptr) return;
  ctx_.metrics.set("livechat_archive_up", ctx_.record->available() ? 1 : 0);
  if (!marks_->catching_up) {
    marks_->catching_up = true;
    ctx_.spawn(catch_up(), "archive backlog");
  }
  if (!backfill_done_ && !marks_->backfilling) {
    marks_->backfilling = true;
    ctx_.spawn(backfill(), "archive backfill");
  }
  const auto now = std::chrono::steady_clock::now();
  if (ctx_.options.retention.count() > 0 && !marks_->retaining && now >= next_retention_) {
    next_retention_ = now + ctx_.options.retention_every;
    marks_->retaining = true;
    ctx_.spawn(retention(), "retention");
  }
}

task archiver::catch_up() {
  struct done {
    std::shared_ptr<marks> m;
    ~done() { m->catching_up = false; }
  } guard{marks_};
  auto backlog = co_await ctx_.reads.archive_backlog(catch_up_batch);
  const auto now = wall_clock_ms();
  oldest_pending_ms_ = backlog.oldest.empty() ? 0 : backlog.oldest.front().since_ms;
  ctx_.metrics.set("livechat_archive_backlog", static_cast<double>(backlog.count));
  ctx_.metrics.set(
      "livechat_archive_oldest_seconds",
      oldest_pending_ms_ == 0
          ? 0.0
          : static_cast<double>(std::max<std::int64_t>(0, now - oldest_pending_ms_)) / 1000);
  // While PostgreSQL is down each run would only fail: one probe per tick until it answers.
  const bool up = ctx_.record->available();
  for (const auto& item : backlog.oldest) {
    // Oldest first: the rest are newer still.
    if (now - item.since_ms < ctx_.options.archive_retry_after.count()) break;
    archive(item.conversation_id);
    if (!up) break;
  }
}

task archiver::backfill() {
  struct done {
    std::shared_ptr<marks> m;
    ~done() { m->backfilling = false; }
  } guard{marks_};
  // A Redis filled by a version before the system of record: its closed conversations join the
  // backlog (a step per tick, the cursor shared by the nodes), and the catch-up archives them.
  const auto added = co_await ctx_.store.backfill(backfill_step);
  if (added < 0) {
    backfill_done_ = true;
  } else if (added > 0) {
    spdlog::info("archive backfill: {} closed conversation(s) from before the system of record",
                 added);
  }
}

task archiver::retention() {
  struct done {
    std::shared_ptr<marks> m;
    ~done() { m->retaining = false; }
  } guard{marks_};
  const auto cutoff = wall_clock_ms() - ctx_.options.retention.count();
  const auto mode = ctx_.options.retention_anonymise ? record::retention_mode::anonymise
                                                     : record::retention_mode::erase;
  const std::string node = ctx_.options.node_id;
  record_work<std::size_t> retain = [cutoff, mode, node](record::pg_connection& db) {
    std::size_t total = 0;
    // Bounded per run; the next minute takes the rest.
    for (int round = 0; round < 20; ++round) {
      const auto n = record::apply_retention(db, cutoff, mode, retention_batch, wall_clock_ms());
      total += n;
      if (n < retention_batch) break;
    }
    if (total > 0) {
      record::audit(
          db, "node:" + node,
          mode == record::retention_mode::erase ? "retention_delete" : "retention_anonymise", "",
          "{\"conversations\":" + std::to_string(total) + "}", wall_clock_ms());
    }
    return total;
  };
  const auto handled = co_await on_record<std::size_t>(ctx_.io, *ctx_.record, std::move(retain));
  if (handled > 0) spdlog::info("retention: {} archived conversation(s) past the period", handled);
}

bool archiver::degraded() const {
  if (ctx_.record == nullptr) return false;
  if (!ctx_.record->available()) return true;
  return oldest_pending_ms_ != 0 && wall_clock_ms() - oldest_pending_ms_ > degraded_after_ms;
}

}  // namespace lc::service
