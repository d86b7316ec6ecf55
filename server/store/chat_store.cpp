#include "server/store/chat_store.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/store/event_codec.hpp"

namespace lc::store {

namespace asio = boost::asio;
namespace pb = livechat::v1;

namespace {

template <class Token>
auto async_exec(redis_connection& conn, std::vector<std::string> args, Token&& token) {
  return asio::async_initiate<Token, void(std::error_code, reply)>(
      [&conn](auto handler, std::vector<std::string> args) {
        // std::function needs a copyable target; the handler is move-only.
        auto h = std::make_shared<std::decay_t<decltype(handler)>>(std::move(handler));
        conn.exec(std::move(args), [h](std::error_code ec, reply r) { (*h)(ec, std::move(r)); });
      },
      token, std::move(args));
}

std::vector<std::string> strings_of(const reply& r) {
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (const auto& e : r.elements) out.push_back(e.as_string());
  return out;
}

// Builds a command outside the coroutine body: GCC 12 miscompiles braced lists inside co_await.
template <class... A>
std::vector<std::string> cmd(A&&... a) {
  return std::vector<std::string>{std::string(std::forward<A>(a))...};
}

std::string csv(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

const reply& at(const reply& r, std::size_t i) {
  static const reply nil;
  return i < r.elements.size() ? r.elements[i] : nil;
}

}  // namespace

pb::ErrorCode error_code_from_reply(const std::string& text) {
  auto word = text.substr(0, text.find(' '));
  if (word == "NOT_FOUND") return pb::ERROR_CODE_NOT_FOUND;
  if (word == "CONFLICT") return pb::ERROR_CODE_CONFLICT;
  if (word == "FORBIDDEN") return pb::ERROR_CODE_FORBIDDEN;
  if (word == "INVALID") return pb::ERROR_CODE_INVALID_ARGUMENT;
  if (word == "FENCED") return pb::ERROR_CODE_UNAVAILABLE;
  return pb::ERROR_CODE_INTERNAL;
}

std::string conversation_record::get(const std::string& k) const {
  auto it = fields.find(k);
  return it == fields.end() ? std::string() : it->second;
}

std::int64_t conversation_record::get_int(const std::string& k) const {
  reply r;
  r.type = reply::kind::string;
  r.str = get(k);
  return r.as_int();
}

task<reply> chat_store::exec(std::vector<std::string> args) {
  auto [ec, r] = co_await async_exec(conn_, std::move(args), asio::as_tuple(asio::use_awaitable));
  if (ec) {
    throw store_error(pb::ERROR_CODE_UNAVAILABLE, ec == std::errc::timed_out
                                                      ? "storage timed out, retry"
                                                      : "storage unavailable, retry");
  }
  if (r.is_error()) {
    auto code = error_code_from_reply(r.str);
    auto space = r.str.find(' ');
    throw store_error(code, code == pb::ERROR_CODE_INTERNAL || space == std::string::npos
                                ? "storage error"
                                : r.str.substr(space + 1));
  }
  co_return r;
}

task<reply> chat_store::fenced_fcall(const char* function, std::vector<std::string> args) {
  std::vector<std::string> fence{fence_node_, fence_epoch_};
  args.insert(args.begin(), fence.begin(), fence.end());
  co_return co_await fcall(function, std::move(args));
}

task<reply> chat_store::fcall(const char* function, std::vector<std::string> args) {
  auto head = cmd("FCALL", function, "0");
  args.insert(args.begin(), head.begin(), head.end());
  co_return co_await exec(std::move(args));
}

task<join_result> chat_store::join(join_params p) {
  std::vector<std::string> args{p.conversation_id, p.visitor_id,    p.name,
                                p.email,           p.department,    p.page_url,
                                p.first_message,   p.client_msg_id, p.node};
  for (const auto& [k, v] : p.metadata) {
    args.push_back(k);
    args.push_back(v);
  }
  auto r = co_await fenced_fcall("lc_join", std::move(args));
  co_return join_result{at(r, 0).as_string(), static_cast<std::uint64_t>(at(r, 1).as_int()),
                        at(r, 2).as_int(), at(r, 3).as_int() == 1};
}

task<std::vector<match_result>> chat_store::match(std::string department, int max) {
  std::vector<std::string> args{department, std::to_string(max)};
  auto r = co_await fcall("lc_match", std::move(args));
  std::vector<match_result> out;
  for (const auto& m : r.elements) {
    out.push_back({at(m, 0).as_string(), at(m, 1).as_string(), at(m, 2).as_int()});
  }
  co_return out;
}

task<post_result> chat_store::post(std::string conv, pb::Role role, std::string sender,
                                   std::string name, std::string cmid, std::string text,
                                   std::string node, std::string origin,
                                   std::string assignment_epoch) {
  std::vector<std::string> args{conv,   std::to_string(role), sender, name, cmid, text, node,
                                origin, assignment_epoch};
  auto r = co_await fenced_fcall("lc_post", std::move(args));
  co_return post_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_int(),
                        at(r, 2).as_int() == 1};
}

task<std::int64_t> chat_store::signal(std::string conv, pb::Role role, std::string sender,
                                      std::string kind, std::string value, std::string name) {
  std::vector<std::string> args{conv, std::to_string(role), sender, kind, value, name};
  auto r = co_await fenced_fcall("lc_signal", std::move(args));
  co_return r.as_int();
}

task<close_result> chat_store::close(std::string conv, pb::Role role, std::string by) {
  std::vector<std::string> args{conv, std::to_string(role), by};
  auto r = co_await fenced_fcall("lc_close", std::move(args));
  co_return close_result{static_cast<std::uint64_t>(at(r, 0).as_int()), at(r, 1).as_string(),
                         at(r, 2).as_string(), at(r, 3).as_int() == 1};
}

task<void> chat_store::rate(std::string conv, std::string visitor, std::uint32_t rating,
                            std::string comment) {
  std::vector<std::string> args{conv, visitor, std::to_string(rating), comment};
  co_await fenced_fcall("lc_rate", std::move(args));
}

task<transfer_result> chat_store::transfer(std::string conv, std::string from, std::string to_agent,
                                           std::string to_department, std::string note) {
  std::vector<std::string> args{conv, from, to_agent, to_department, note};
  auto r = co_await fenced_fcall("lc_transfer", std::move(args));
  co_return transfer_result{at(r, 0).as_string() == "agent", at(r, 1).as_string()};
}

task<agent_connect_result> chat_store::agent_connect(std::string agent, std::string name,
                                                     std::uint32_t capacity,
                                                     std::vector<std::string> departments,
                                                     std::string node) {
  std::vector<std::string> args{agent, name, std::to_string(capacity), csv(departments), node};
  auto r = co_await fenced_fcall("lc_agent_connect", std::move(args));
  agent_connect_result out;
  auto all = strings_of(r);
  if (!all.empty()) {
    out.status = all.front();
    out.conversations.assign(all.begin() + 1, all.end());
  }
  co_return out;
}

task<std::vector<std::string>> chat_store::presence(std::string agent, std::string status,
                                                    std::uint32_t capacity) {
  std::vector<std::string> args{agent, status, std::to_string(capacity)};
  auto r = co_await fenced_fcall("lc_presence", std::move(args));
  co_return strings_of(r);
}

task<std::vector<std::string>> chat_store::agent_disconnect(std::string agent, std::string node,
                                                            std::int64_t grace_ms) {
  std::vector<std::string> args{agent, node, std::to_string(grace_ms)};
  auto r = co_await fenced_fcall("lc_agent_disconnect", std::move(args));
  co_return strings_of(r);
}

task<void> chat_store::visitor_presence(std::string conv, std::string visitor, std::string node,
                                        bool connected, std::int64_t grace_ms) {
  std::vector<std::string> args{conv, visitor, node, connected ? "1" : "0",
                                std::to_string(grace_ms)};
  co_await fenced_fcall("lc_visitor_presence", std::move(args));
}

task<std::vector<sweep_item>> chat_store::sweep(int max, std::int64_t agent_grace_ms,
                                                std::int64_t visitor_grace_ms) {
  std::vector<std::string> args{std::to_string(max), std::to_string(agent_grace_ms),
                                std::to_string(visitor_grace_ms)};
  auto r = co_await fcall("lc_sweep", std::move(args));
  std::vector<sweep_item> out;
  for (const auto& e : r.elements) {
    out.push_back({at(e, 0).as_string(), at(e, 1).as_string(), at(e, 2).as_string()});
  }
  co_return out;
}

task<bool> chat_store::write_records(std::string conv, bool missed, std::uint32_t visitor_messages,
                                     std::uint32_t agent_messages, std::vector<record_row> rows) {
  std::vector<std::string> args{conv, missed ? "1" : "0", std::to_string(visitor_messages),
                                std::to_string(agent_messages)};
  for (const auto& row : rows) {
    args.push_back(row.measure);
    args.push_back(std::to_string(row.at_ms));
    args.push_back(row.member);
  }
  auto r = co_await fcall("lc_records", std::move(args));
  co_return r.as_int() == 1;
}

task<queue_info> chat_store::queue_status(std::string department,
                                          std::vector<std::string> conversations) {
  std::vector<std::string> args{department};
  args.insert(args.end(), conversations.begin(), conversations.end());
  auto r = co_await fcall("lc_queue_status", std::move(args));
  queue_info out;
  out.length = static_cast<std::uint32_t>(at(r, 0).as_int());
  out.agents_online = static_cast<std::uint32_t>(at(r, 1).as_int());
  out.free_slots = static_cast<std::uint32_t>(at(r, 2).as_int());
  for (std::size_t i = 3; i < r.elements.size(); ++i) out.ranks.push_back(r.elements[i].as_int());
  co_return out;
}

task<overview_result> chat_store::overview() {
  auto r = co_await fcall("lc_overview", std::vector<std::string>());
  overview_result out;
  out.now_ms = at(r, 0).as_int();
  for (std::size_t i = 1; i < r.elements.size(); ++i) {
    const auto& d = r.elements[i];
    out.departments.push_back({at(d, 0).as_string(), static_cast<std::uint32_t>(at(d, 1).as_int()),
                               at(d, 2).as_int(), static_cast<std::uint32_t>(at(d, 3).as_int()),
                               static_cast<std::uint32_t>(at(d, 4).as_int())});
  }
  co_return out;
}

task<std::vector<agent_summary>> chat_store::agents() {
  auto r = co_await fcall("lc_agents", std::vector<std::string>());
  std::vector<agent_summary> out;
  for (const auto& a : r.elements) {
    out.push_back({at(a, 0).as_string(), at(a, 1).as_string(), at(a, 2).as_string(),
                   at(a, 5).as_string(), static_cast<std::uint32_t>(at(a, 3).as_int()),
                   static_cast<std::uint32_t>(at(a, 4).as_int()), at(a, 6).as_int() == 1});
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  co_return out;
}

task<std::int64_t> chat_store::offline_leave(std::string id, std::string visitor, std::string name,
                                             std::string email, std::string department,
                                             std::string text) {
  std::vector<std::string> args{id, visitor, name, email, department, text};
  auto r = co_await fcall("lc_offline_leave", std::move(args));
  co_return r.as_int();
}

task<std::vector<pb::OfflineMessage>> chat_store::offline_list(std::vector<std::string> departments,
                                                               std::uint32_t limit) {
  std::vector<std::string> ids;
  if (departments.empty()) {
    ids = strings_of(co_await exec(cmd("ZREVRANGE", "lc:offline", "0", std::to_string(limit - 1))));
  } else {
    for (const auto& d : departments) {
      auto some = strings_of(
          co_await exec(cmd("ZREVRANGE", "lc:offline:d:" + d, "0", std::to_string(limit - 1))));
      ids.insert(ids.end(), some.begin(), some.end());
    }
  }
  std::vector<pb::OfflineMessage> out;
  for (const auto& id : ids) {
    auto r = co_await exec(cmd("HGETALL", "lc:offline:" + id));
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      f[r.elements[i].as_string()] = r.elements[i + 1].as_string();
    }
    if (f.empty()) continue;
    pb::OfflineMessage m;
    m.set_id(id);
    m.set_display_name(f["name"]);
    m.set_email(f["email"]);
    m.set_department(f["dept"]);
    m.set_text(f["text"]);
    m.set_visitor_id(f["visitor"]);
    m.set_at_ms(std::stoll(f["ts"].empty() ? "0" : f["ts"]));
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.at_ms() > b.at_ms(); });
  if (out.size() > limit) out.resize(limit);
  co_return out;
}

task<std::vector<pb::ChatEvent>> chat_store::events(std::string conv, std::uint64_t after_seq,
                                                    std::uint32_t limit,
                                                    std::vector<std::string>* origins) {
  auto args = cmd("XRANGE", "lc:conv:" + conv + ":s", "(0-" + std::to_string(after_seq), "+");
  if (limit > 0) {
    args.push_back("COUNT");
    args.push_back(std::to_string(limit));
  }
  auto r = co_await exec(std::move(args));
  std::vector<pb::ChatEvent> out;
  out.reserve(r.elements.size());
  if (origins != nullptr) origins->clear();
  for (const auto& entry : r.elements) {
    const auto& flat = at(entry, 1);
    field_list fields;
    for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
      fields.emplace_back(flat.elements[i].str, flat.elements[i + 1].str);
    }
    std::string origin;
    out.push_back(event_from_fields(conv, fields, &origin));
    if (origins != nullptr) origins->push_back(std::move(origin));
  }
  co_return out;
}

task<std::optional<conversation_record>> chat_store::conversation(std::string conv) {
  auto r = co_await exec(cmd("HGETALL", "lc:conv:" + conv));
  if (r.elements.empty()) co_return std::nullopt;
  conversation_record out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.fields[r.elements[i].str] = r.elements[i + 1].str;
  }
  auto m = co_await exec(cmd("HGETALL", "lc:conv:" + conv + ":meta"));
  for (std::size_t i = 0; i + 1 < m.elements.size(); i += 2) {
    out.metadata[m.elements[i].str] = m.elements[i + 1].str;
  }
  co_return out;
}

task<std::vector<std::string>> chat_store::visitor_conversations(std::string visitor,
                                                                 std::uint32_t limit) {
  co_return strings_of(co_await exec(
      cmd("LRANGE", "lc:visitor:" + visitor + ":convs", "0", std::to_string(limit - 1))));
}

task<std::string> chat_store::visitor_open_conversation(std::string visitor) {
  auto r = co_await exec(cmd("HGET", "lc:visitor:" + visitor, "open"));
  co_return r.as_string();
}

task<std::vector<std::string>> chat_store::departments() {
  auto out = strings_of(co_await exec(cmd("SMEMBERS", "lc:depts")));
  std::sort(out.begin(), out.end());
  co_return out;
}

task<std::vector<std::pair<std::string, std::int64_t>>> chat_store::records(std::string measure,
                                                                            std::int64_t from_ms,
                                                                            std::int64_t to_ms) {
  auto r = co_await exec(cmd("ZRANGEBYSCORE", "lc:rec:" + measure, std::to_string(from_ms),
                             std::to_string(to_ms), "WITHSCORES"));
  std::vector<std::pair<std::string, std::int64_t>> out;
  out.reserve(r.elements.size() / 2);
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.emplace_back(r.elements[i].str, r.elements[i + 1].as_int());
  }
  co_return out;
}

task<std::vector<std::string>> chat_store::pending_records() {
  co_return strings_of(co_await exec(cmd("SRANDMEMBER", "lc:records:pending", "100")));
}

task<std::int64_t> chat_store::lease(std::string node, std::int64_t ttl_ms, std::int64_t epoch) {
  std::vector<std::string> args{node, std::to_string(ttl_ms), std::to_string(epoch)};
  auto r = co_await fcall("lc_lease", std::move(args));
  co_return r.as_int();
}

task<void> chat_store::release(std::string node, std::int64_t epoch) {
  std::vector<std::string> args{node, std::to_string(epoch)};
  co_await fcall("lc_release", std::move(args));
}

}  // namespace lc::store
