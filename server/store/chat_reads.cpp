#include "server/store/chat_reads.hpp"

#include <algorithm>
#include <charconv>

#include "server/store/command.hpp"
#include "server/store/event_codec.hpp"
#include "server/store/keys.hpp"

namespace lc::store {

namespace pb = livechat::v1;
using detail::at;
using detail::command;
using detail::fcall;
using detail::run;
using detail::strings_of;

namespace {

field_list pairs_of(const reply& flat) {
  field_list out;
  out.reserve(flat.elements.size() / 2);
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    out.emplace_back(flat.elements[i].str, flat.elements[i + 1].str);
  }
  return out;
}

std::int64_t int_of(const std::string& v) {
  std::int64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

pb::OfflineMessage offline_message_of(const std::string& id, const field_list& fields) {
  pb::OfflineMessage m;
  m.set_id(id);
  for (const auto& [k, v] : fields) {
    if (k == "name") m.set_display_name(v);
    if (k == "email") m.set_email(v);
    if (k == "dept") m.set_department(v);
    if (k == "text") m.set_text(v);
    if (k == "visitor") m.set_visitor_id(v);
    if (k == "ts") m.set_at_ms(int_of(v));
    if (k == "replied_at") m.set_replied_at_ms(int_of(v));
    if (k == "replied_by") m.set_replied_by(v);
  }
  return m;
}

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    auto part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::uint32_t u32(const reply& r) {
  return static_cast<std::uint32_t>(r.as_int());
}

}  // namespace

task<std::vector<pb::ChatEvent>> chat_reads::events(std::string conv, std::uint64_t after_seq,
                                                    std::uint32_t limit) {
  auto args = command("XRANGE", keys::stream(conv), "(0-" + std::to_string(after_seq), "+");
  if (limit > 0) {
    args.emplace_back("COUNT");
    args.push_back(std::to_string(limit));
  }
  auto r = co_await run(conn_, std::move(args));
  std::vector<pb::ChatEvent> out;
  out.reserve(r.elements.size());
  for (const auto& entry : r.elements) {
    out.push_back(event_from_fields(conv, pairs_of(at(entry, 1))));
    // The id is "0-<seq>"; entries written since seq left the fields carry it only there.
    if (out.back().seq() == 0) out.back().set_seq(seq_of_entry_id(at(entry, 0).as_string()));
  }
  co_return out;
}

task<std::optional<conversation_record>> chat_reads::conversation(std::string conv) {
  auto hash = co_await run(conn_, command("HGETALL", keys::conversation(conv)));
  if (hash.elements.empty()) co_return std::nullopt;
  auto meta = co_await run(conn_, command("HGETALL", keys::metadata(conv)));
  co_return decode_conversation(pairs_of(hash), pairs_of(meta));
}

task<std::vector<std::string>> chat_reads::visitor_conversations(std::string visitor,
                                                                 std::uint32_t limit) {
  if (limit == 0) co_return std::vector<std::string>{};
  co_return strings_of(co_await run(conn_, command("LRANGE", keys::visitor_conversations(visitor),
                                                   "0", std::to_string(limit - 1))));
}

task<std::string> chat_reads::visitor_open_conversation(std::string visitor) {
  co_return (co_await run(conn_, command("HGET", keys::visitor(visitor), "open"))).as_string();
}

task<std::vector<std::string>> chat_reads::agent_conversations(std::string agent) {
  co_return strings_of(co_await run(conn_, command("SMEMBERS", keys::agent_conversations(agent))));
}

task<std::optional<std::int64_t>> chat_reads::agent_grace_deadline(std::string agent) {
  auto gone = co_await run(conn_, command("HGET", keys::agent(agent), "gone"));
  if (gone.as_string().empty()) co_return std::nullopt;
  co_return gone.as_int();
}

task<queue_info> chat_reads::queue_status(std::string department,
                                          std::vector<std::string> conversations) {
  std::vector<std::string> args{std::move(department)};
  for (auto& c : conversations) args.push_back(std::move(c));
  auto r = co_await fcall(conn_, "lc_queue_status", std::move(args));
  queue_info out;
  out.length = u32(at(r, 0));
  out.agents_online = u32(at(r, 1));
  out.free_slots = u32(at(r, 2));
  for (std::size_t i = 3; i < r.elements.size(); ++i) out.ranks.push_back(r.elements[i].as_int());
  co_return out;
}

task<std::int64_t> chat_reads::agent_not_before(std::string agent) {
  auto nb = co_await run(conn_, command("HGET", keys::revoked, keys::operator_part(agent)));
  co_return nb.as_string().empty() ? 0 : nb.as_int();
}

task<overview_result> chat_reads::overview(std::vector<std::string> departments) {
  auto r = co_await fcall(conn_, "lc_overview", std::move(departments));
  overview_result out;
  out.now_ms = at(r, 0).as_int();
  for (std::size_t i = 1; i < r.elements.size(); ++i) {
    const auto& d = r.elements[i];
    out.departments.push_back(
        {at(d, 0).as_string(), u32(at(d, 1)), at(d, 2).as_int(), u32(at(d, 3)), u32(at(d, 4))});
  }
  co_return out;
}

task<std::vector<live_conversation>> chat_reads::live(std::vector<std::string> departments) {
  auto r = co_await fcall(conn_, "lc_live", std::move(departments));
  std::vector<live_conversation> out;
  for (const auto& c : r.elements) {
    out.push_back({at(c, 0).as_string(), at(c, 1).as_string(), at(c, 2).as_string(),
                   at(c, 3).as_string(), at(c, 4).as_string(), at(c, 5).as_int(),
                   static_cast<std::uint64_t>(at(c, 6).as_int())});
  }
  co_return out;
}

task<waiting_result> chat_reads::waiting(std::vector<std::string> departments,
                                         std::uint32_t limit) {
  departments.insert(departments.begin(), std::to_string(limit));
  auto r = co_await fcall(conn_, "lc_waiting", std::move(departments));
  waiting_result out;
  out.now_ms = at(r, 0).as_int();
  for (std::size_t i = 1; i < r.elements.size(); ++i) {
    const auto& w = r.elements[i];
    out.waiting.push_back({at(w, 0).as_string(), at(w, 1).as_string(), u32(at(w, 2)),
                           at(w, 3).as_string(), at(w, 4).as_string(), at(w, 5).as_int()});
  }
  co_return out;
}

task<std::vector<agent_summary>> chat_reads::agents() {
  auto r = co_await fcall(conn_, "lc_agents", std::vector<std::string>());
  std::vector<agent_summary> out;
  for (const auto& a : r.elements) {
    agent_summary s;
    s.id = at(a, 0).as_string();
    s.name = at(a, 1).as_string();
    s.status = presence_from_name(at(a, 2).as_string());
    s.active = u32(at(a, 3));
    s.capacity = u32(at(a, 4));
    s.departments = split_csv(at(a, 5).as_string());
    s.connected = at(a, 6).as_int() == 1;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  co_return out;
}

task<backlog_sample> chat_reads::archive_backlog(std::uint32_t max) {
  std::vector<std::string> args{std::to_string(max)};
  auto r = co_await fcall(conn_, "lc_archive_backlog", std::move(args));
  backlog_sample out;
  out.count = static_cast<std::uint64_t>(at(r, 0).as_int());
  for (std::size_t i = 1; i + 1 < r.elements.size(); i += 2) {
    out.oldest.push_back({r.elements[i].str, r.elements[i + 1].as_int()});
  }
  co_return out;
}

task<site_list_result> chat_reads::site_list(std::uint32_t limit) {
  std::vector<std::string> args{std::to_string(limit)};
  auto r = co_await fcall(conn_, "lc_site_list", std::move(args));
  site_list_result out;
  if (r.elements.empty()) co_return out;
  out.now_ms = at(r, 0).as_int();
  for (std::size_t i = 1; i + 1 < r.elements.size(); i += 2) {
    out.visitors.push_back(
        decode_site_visitor(r.elements[i].as_string(), pairs_of(r.elements[i + 1])));
  }
  co_return out;
}

task<std::optional<site_visit_result>> chat_reads::site_visit(std::string visitor) {
  std::vector<std::string> args{visitor};
  auto r = co_await fcall(conn_, "lc_site_visit", std::move(args));
  const auto& fields = at(r, 0);
  if (fields.elements.empty()) co_return std::nullopt;
  site_visit_result out;
  out.visitor = decode_site_visitor(visitor, pairs_of(fields));
  for (const auto& packed : at(r, 1).elements) {
    if (auto page = decode_page_visit(packed.str)) out.pages.push_back(std::move(*page));
  }
  co_return out;
}

task<std::optional<pb::Invitation>> chat_reads::invitation(std::string visitor) {
  std::vector<std::string> args{std::move(visitor)};
  auto r = co_await fcall(conn_, "lc_invitation", std::move(args));
  co_return decode_invitation(r.elements);
}

task<std::optional<pb::OfflineMessage>> chat_reads::offline_find(std::string id) {
  auto fields = pairs_of(co_await run(conn_, command("HGETALL", keys::offline(id))));
  if (fields.empty()) co_return std::nullopt;
  co_return offline_message_of(id, fields);
}

task<std::vector<pb::OfflineMessage>> chat_reads::offline_list(std::vector<std::string> departments,
                                                               std::uint32_t limit) {
  if (limit == 0) co_return std::vector<pb::OfflineMessage>{};
  const auto last = std::to_string(limit - 1);
  std::vector<std::string> ids;
  if (departments.empty()) {
    ids = strings_of(co_await run(conn_, command("ZREVRANGE", keys::offline_all, "0", last)));
  } else {
    for (const auto& d : departments) {
      auto some = strings_of(
          co_await run(conn_, command("ZREVRANGE", keys::offline_department(d), "0", last)));
      ids.insert(ids.end(), some.begin(), some.end());
    }
  }
  std::vector<pb::OfflineMessage> out;
  for (const auto& id : ids) {
    auto fields = pairs_of(co_await run(conn_, command("HGETALL", keys::offline(id))));
    if (!fields.empty()) out.push_back(offline_message_of(id, fields));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.at_ms() > b.at_ms(); });
  if (out.size() > limit) out.resize(limit);
  co_return out;
}

task<std::vector<std::pair<std::string, std::int64_t>>> chat_reads::library_enums() {
  auto r = co_await fcall(conn_, "lc_enums", std::vector<std::string>());
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.emplace_back(r.elements[i].as_string(), r.elements[i + 1].as_int());
  }
  co_return out;
}

}  // namespace lc::store
