#include "tests/record/record_env.hpp"

#include <cstdio>

#include "server/record/migrations.hpp"

namespace lc::test {

namespace pb = livechat::v1;

record_env::record_env() : pg_(pg_fixture::start()) {
  db_ = connect();
  record::apply_migrations(*db_);
}

std::unique_ptr<record::pg_connection> record_env::connect() {
  return std::make_unique<record::pg_connection>(pg_->url(), std::chrono::milliseconds(5000));
}

std::string conv_id(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c%024x", n);
  return buf;
}

std::string visitor_id(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "v%024x", n);
  return buf;
}

record::conversation_archive sample_conversation(const std::string& id, const std::string& visitor,
                                                 std::int64_t joined_ms, int messages,
                                                 const std::string& text) {
  record::conversation_archive c;
  c.id = id;
  c.visitor_id = visitor;
  c.visitor_name = "Vic";
  c.email = "vic@example.com";
  c.department = "billing";
  c.page_url = "https://shop.example/cart";
  c.agent_id = "alice";
  c.agent_name = "Alice";
  c.agents = {"alice"};
  c.joined_ms = joined_ms;
  c.assigned_ms = joined_ms + 500;
  c.first_message = text;
  c.metadata = {{"language", "en-GB"}, {"referrer", "https://search.example/"}};
  std::uint64_t seq = 0;
  auto add = [&](pb::EventKind kind, pb::Role role, const std::string& sender,
                 const std::string& body, std::int64_t at) {
    pb::ChatEvent e;
    e.set_conversation_id(id);
    e.set_seq(++seq);
    e.set_kind(kind);
    e.set_sender_role(role);
    e.set_sender_id(sender);
    e.set_text(body);
    e.set_at_ms(at);
    if (kind == pb::EVENT_KIND_ASSIGNED) e.set_agent_id("alice");
    if (kind == pb::EVENT_KIND_JOINED) e.set_department("billing");
    c.events.push_back(e);
  };
  add(pb::EVENT_KIND_JOINED, pb::ROLE_VISITOR, visitor, "", joined_ms);
  add(pb::EVENT_KIND_ASSIGNED, pb::ROLE_SYSTEM, "", "", joined_ms + 500);
  std::int64_t at = joined_ms + 1000;
  for (int i = 0; i < messages; ++i, at += 1000) {
    const bool from_visitor = i % 2 == 0;
    add(pb::EVENT_KIND_MESSAGE, from_visitor ? pb::ROLE_VISITOR : pb::ROLE_AGENT,
        from_visitor ? visitor : "alice", i == 0 ? text : "reply " + std::to_string(i), at);
    if (from_visitor) {
      ++c.visitor_messages;
    } else {
      ++c.agent_messages;
    }
  }
  add(pb::EVENT_KIND_CLOSED, pb::ROLE_VISITOR, visitor, "", at);
  c.closed_ms = at;
  c.measurements = {{"queue_wait", 0, "billing", "alice", 500, joined_ms + 500},
                    {"first_response", 1, "billing", "alice", 1500, joined_ms + 2000},
                    {"resolution", 2, "billing", "alice", at - joined_ms, at}};
  c.archived_ms = at + 10;
  return c;
}

}  // namespace lc::test
