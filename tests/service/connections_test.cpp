// Sessions and their indices: nothing names a session that has closed, whatever a request was
// doing when its connection went away.
#include "server/service/connections.hpp"

#include <gtest/gtest.h>

#include "tests/service/service_env.hpp"

namespace lc::test {
namespace {

class Connections : public service_test {};

// An owner that records what the session tells it.
struct recording_owner : service::session_owner {
  int requests = 0, closed = 0, writable = 0;
  void on_request(service::session&) override { ++requests; }
  void on_closed(service::session&) override { ++closed; }
  void on_writable(service::session&) override { ++writable; }
};

TEST(SessionIndex, EntriesLeaveWithTheirOwner) {
  auto index = std::make_shared<service::session_index>();
  {
    service::index_entry a(index, "c1", 1);
    service::index_entry b(index, "c1", 2);
    ASSERT_NE(index->find("c1"), nullptr);
    EXPECT_EQ(*index->find("c1"), (std::vector<std::uint64_t>{1, 2}));
  }
  EXPECT_EQ(index->find("c1"), nullptr);
  EXPECT_EQ(index->size(), 0u);
  // An entry outliving its index (a session lingering after the service) is harmless.
  auto orphan = std::make_unique<service::index_entry>(index, "c2", 3);
  index.reset();
  orphan.reset();
}

TEST(Session, AClosedSessionFollowsNothingAndCanNeverFollowAgain) {
  boost::asio::io_context io;
  auto link = std::make_shared<fake_link>(io, 16);
  recording_owner owner;
  core::metrics_registry metrics;
  service::service_options options;
  auto followers = std::make_shared<service::session_index>();
  auto users = std::make_shared<service::session_index>();
  auto s = std::make_shared<service::session>(7, link, owner, options, metrics);
  s->identify(pb::ROLE_VISITOR, "v1", "Vic", users);
  ASSERT_NE(s->follow_conversation("c1", core::delivery_cursor(1), followers), nullptr);
  EXPECT_TRUE(followers->contains("c1"));
  EXPECT_TRUE(users->contains("v1"));
  s->on_close();
  EXPECT_EQ(owner.closed, 1);
  EXPECT_TRUE(s->closed());
  EXPECT_FALSE(followers->contains("c1")) << "the follow left with the connection";
  EXPECT_FALSE(users->contains("v1"));
  EXPECT_EQ(s->follow_conversation("c2", core::delivery_cursor(1), followers), nullptr);
  EXPECT_EQ(followers->size(), 0u);
  s->on_close();
  EXPECT_EQ(owner.closed, 1) << "closed once";
  s->on_frame("anything");
  EXPECT_EQ(owner.requests, 0) << "a closed session takes no requests";
}

// Defect 1 at the service's seam: the join is in Redis when its session is already gone. The
// first server registered the follow anyway (a raw pointer to the freed session) and crashed on
// the next wake-up for the conversation.
TEST_F(Connections, ASessionGoneBeforeItsJoinReplyIsNeverFollowedAndItsGraceStarts) {
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 5);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  for (int i = 0; i < 20; ++i) {
    auto v = env().connect();
    v->hello_visitor();
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("x");
    j->set_department("billing");
    j->set_first_message("hi");
    j->set_client_msg_id("m");
    req.set_request_id(2);
    redis().command({"CLIENT", "PAUSE", "2000", "WRITE"});
    v->send(req);
    env().run_for(30ms);  // lc_join is in Redis, held there
    v->link().reset();    // the connection goes before the join's reply
    redis().command({"CLIENT", "UNPAUSE"});
  }
  // Every join lands, the agent is given up to five of them, and the wake-ups of those find
  // nobody to deliver to on the visitors' side.
  ASSERT_TRUE(env().run_until(
      [&] {
        return env().redis().command({"HGET", "lc:agent:alice", "active"}) == "5";
      },
      10s));
  env().run_for(300ms);
  EXPECT_EQ(env().service().sessions().size(), 1u) << "only the agent's session is open";
  EXPECT_EQ(env().service().sessions().connected(pb::ROLE_VISITOR), 0u);
  // No conversation is followed by a visitor: the agent alone follows its five.
  std::size_t followed = env().service().sessions().followers()->size();
  EXPECT_EQ(followed, 5u);
  // Each abandoned join has its visitor's grace running, so it ends instead of waiting for ever.
  EXPECT_EQ(env().redis().command({"ZCARD", "lc:grace:visitors"}), "20");
}

TEST_F(Connections, TheLastConnectionOfAUserStartsTheirGraceAndNotBefore) {
  auto v1 = env().connect();
  auto token = v1->hello_visitor().visitor_token();
  auto conv = v1->join("Vic").conversation_id();
  auto v2 = env().connect();
  EXPECT_EQ(v2->hello_visitor(token).open_conversation_id(), conv);
  v1->link().reset();
  env().run_for(200ms);
  EXPECT_EQ(env().redis().command({"ZSCORE", "lc:grace:visitors", conv}), "(nil)")
      << "another tab is still here";
  v2->link().reset();
  EXPECT_TRUE(env().run_until([&] {
    return env().redis().command({"ZSCORE", "lc:grace:visitors", conv}) != "(nil)";
  }));
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 1);
  agent->link().reset();
  EXPECT_TRUE(env().run_until([&] {
    return env().redis().command({"HGET", "lc:agent:alice", "gone"}) != "";
  }));
}

TEST_F(Connections, EveryTabOfTheVisitorFollowsTheConversationItJoins) {
  auto tab1 = env().connect();
  auto token = tab1->hello_visitor().visitor_token();
  auto tab2 = env().connect();
  tab2->hello_visitor(token);
  auto conv = tab1->join("Vic", "billing", "hello from tab 1", "j1").conversation_id();
  auto agent = env().connect();
  agent->hello_agent("alice", {"billing"}, 1);
  agent->presence(pb::PRESENCE_STATUS_ONLINE);
  ASSERT_TRUE(agent->wait_assigned(conv));
  ASSERT_TRUE(agent->send_text(conv, "a1", "hi both").has_ack());
  auto seen1 = tab1->wait_message(conv, "hi both");
  auto seen2 = tab2->wait_message(conv, "hi both");
  ASSERT_TRUE(seen1 && seen2);
  EXPECT_EQ(seen1->seq(), 4u);
  // The joining tab showed its own first message and read on from seq 3 (ASSIGNED); the other
  // tab read the whole conversation, each event once.
  auto seqs = [](const std::vector<pb::ChatEvent>& events) {
    std::vector<std::uint64_t> out;
    for (const auto& e : events) out.push_back(e.seq());
    return out;
  };
  EXPECT_EQ(seqs(tab1->events(conv)), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(seqs(tab2->events(conv)), (std::vector<std::uint64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace lc::test
