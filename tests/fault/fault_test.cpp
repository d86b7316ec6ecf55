// Three nodes behind nginx on one Redis, with scripted visitors and agents chatting through
// nginx while nodes are killed and paused past their lease, Redis is killed and restarted, and
// the Pub/Sub connections are cut. Nothing acknowledged may be lost or duplicated.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "server/app/subprocess.hpp"
#include "server/core/token.hpp"
#include "tests/fault/nginx_process.hpp"
#include "tests/fault/scripted_peer.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tokens.hpp"

namespace lc::test {
namespace {

namespace pb = livechat::v1;
using namespace std::chrono_literals;

constexpr const char* secret = "fault-test-secret-0123456789abcdef01";
constexpr int agents = 3, capacity = 2, visitors = 6;

std::string token_for(const std::string& id) {
  return agent_token_for(secret, id, {"support"}, capacity);
}

class Fault : public ::testing::TestWithParam<std::string> {};

TEST_P(Fault, NothingAcknowledgedIsLostThroughNodeAndRedisFailures) {
  redis_fixture::options ro;
  ro.appendfsync = GetParam();
  redis_fixture redis(ro);
  auto postgres = pg_fixture::start();  // one system of record for the three nodes
  temp_dir dir;

  auto start_node = [&](const std::string& id, std::uint16_t port) {
    server_options o;
    o.binary = LIVECHAT_BINARY;
    o.port = port;
    o.health_target = "/readyz";
    o.args = {"--redis",
              redis.url(),
              "--postgres",
              postgres->url(),
              "--secret",
              secret,
              "--node-id",
              id,
              "--match-interval-ms",
              "200",
              "--node-lease-ms",
              "1500",
              "--agent-grace-seconds",
              "4",
              "--visitor-grace-seconds",
              "60",
              "--redis-timeout-ms",
              "1000",
              "--log-level",
              "warn"};
    o.log_file = dir.path() / (id + "-" + std::to_string(port) + ".log");
    return server_process::start(o);
  };
  std::vector<std::unique_ptr<server_process>> nodes;
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(start_node("n" + std::to_string(i + 1), 0));
    ports.push_back(nodes.back()->port());
  }
  nginx_process lb(dir, ports);

  std::vector<std::unique_ptr<scripted_peer>> peers;
  for (int i = 0; i < agents; ++i) {
    scripted_peer::options o{"127.0.0.1", lb.port(), token_for("agent" + std::to_string(i)),
                             "agent" + std::to_string(i)};
    peers.push_back(std::make_unique<scripted_peer>(o));
  }
  for (int i = 0; i < visitors; ++i) {
    scripted_peer::options o{"127.0.0.1", lb.port(), "", "visitor" + std::to_string(i)};
    peers.push_back(std::make_unique<scripted_peer>(o));
  }
  for (auto& p : peers) p->start();

  // Capacity is sampled all along; the counters are Redis's own.
  std::atomic<bool> sampling{true};
  std::atomic<int> over_capacity{0};
  std::thread sampler([&] {
    while (sampling) {
      try {
        resp_client c("127.0.0.1", redis.port(), "", 500ms);
        for (int i = 0; i < agents; ++i) {
          auto id = "lc:agent:agent" + std::to_string(i);
          if (c.call({"SCARD", id + ":convs"}).integer > capacity) ++over_capacity;
        }
      } catch (...) {  // Redis is down for a moment on purpose
      }
      std::this_thread::sleep_for(100ms);
    }
  });

  std::this_thread::sleep_for(3s);
  // 1. A node dies without a word; it comes back on the same port a little later.
  nodes[0]->kill(SIGKILL);
  std::this_thread::sleep_for(2s);
  nodes[0] = start_node("n1b", ports[0]);
  std::this_thread::sleep_for(2s);
  // 2. A node freezes past its lease; when it wakes its writes are refused and it rejoins.
  nodes[1]->kill(SIGSTOP);
  std::this_thread::sleep_for(3s);
  nodes[1]->kill(SIGCONT);
  std::this_thread::sleep_for(3s);
  // 3. Redis is killed and restarted on the same data (AOF).
  redis.restart(/*crash=*/true);
  std::this_thread::sleep_for(3s);
  // 4. Every node's Pub/Sub connection is cut.
  redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
  std::this_thread::sleep_for(3s);

  // Stop writing; wait (bounded) until every message is acknowledged and delivered.
  for (auto& p : peers) p->quiesce();
  auto delivered = [&] {
    for (const auto& p : peers) {
      if (!p->all_acked()) return false;
    }
    return true;
  };
  for (int i = 0; i < 150 && !delivered(); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(delivered()) << "messages still unacknowledged after the faults";
  std::this_thread::sleep_for(2s);  // the last pushes reach the other side
  for (auto& p : peers) p->finish();
  for (int i = 0; i < 100; ++i) {
    bool all_closed = true;
    for (int v = agents; v < agents + visitors; ++v) all_closed &= peers[v]->closed();
    if (all_closed) break;
    std::this_thread::sleep_for(100ms);
  }
  sampling = false;
  sampler.join();
  for (auto& p : peers) p->join();

  EXPECT_EQ(over_capacity.load(), 0) << "an agent held more chats than their capacity";
  // Every acknowledged message reached the other side exactly once, in order.
  std::map<std::string, std::map<std::uint64_t, std::string>> agent_view;
  for (int a = 0; a < agents; ++a) {
    const auto& r = peers[a]->record();
    for (const auto& p : r.problems) ADD_FAILURE() << p;
    for (const auto& [conv, seqs] : r.live_seqs) {
      for (std::size_t i = 1; i < seqs.size(); ++i) {
        EXPECT_LT(seqs[i - 1], seqs[i])
            << "agent" << a << " got " << conv << " out of order or twice";
      }
    }
    for (const auto& [conv, seen] : r.seen) agent_view[conv].insert(seen.begin(), seen.end());
  }
  int visitor_messages = 0, agent_messages = 0;
  for (int v = agents; v < agents + visitors; ++v) {
    const auto& r = peers[v]->record();
    for (const auto& p : r.problems) ADD_FAILURE() << p;
    const auto conv = peers[v]->conversation();
    ASSERT_FALSE(conv.empty());
    const auto& seqs =
        r.live_seqs.count(conv) ? r.live_seqs.at(conv) : std::vector<std::uint64_t>{};
    for (std::size_t i = 1; i < seqs.size(); ++i) {
      EXPECT_LT(seqs[i - 1], seqs[i]) << "visitor got " << conv << " out of order or twice";
    }
    for (const auto& [cmid, acked] :
         r.acked.count(conv) ? r.acked.at(conv) : decltype(r.acked)::mapped_type{}) {
      ++visitor_messages;
      auto it = agent_view[conv].find(acked.first);
      EXPECT_TRUE(it != agent_view[conv].end() && it->second == acked.second)
          << "acknowledged visitor message " << cmid << " (seq " << acked.first
          << ") never reached an agent";
    }
    for (int a = 0; a < agents; ++a) {
      const auto& ar = peers[a]->record();
      if (!ar.acked.count(conv)) continue;
      for (const auto& [cmid, acked] : ar.acked.at(conv)) {
        ++agent_messages;
        auto seen = r.seen.count(conv) ? r.seen.at(conv) : std::map<std::uint64_t, std::string>{};
        auto it = seen.find(acked.first);
        EXPECT_TRUE(it != seen.end() && it->second == acked.second)
            << "acknowledged agent message " << cmid << " (seq " << acked.first
            << ") never reached the visitor";
      }
    }
    // The stream holds each acknowledged message exactly once: the client id maps to one seq.
    for (const auto& [cmid, acked] :
         r.acked.count(conv) ? r.acked.at(conv) : decltype(r.acked)::mapped_type{}) {
      const auto visitor = redis.command({"HGET", "lc:conv:" + conv, "visitor"});
      EXPECT_EQ(redis.command({"HGET", "lc:conv:" + conv + ":c", "1:" + visitor + ":" + cmid}),
                std::to_string(acked.first));
    }
    // Never assigned twice at once: between two assignments the chat went back to a queue.
    auto events = redis.call({"XRANGE", "lc:conv:" + conv + ":s", "-", "+"});
    bool assigned = false;
    for (const auto& e : events.elements) {
      std::string kind;
      for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
        if (e.elements[1].elements[i].text == "k") kind = e.elements[1].elements[i + 1].text;
      }
      if (kind == "3") {
        EXPECT_FALSE(assigned) << conv << " assigned while assigned";
        assigned = true;
      } else if (kind == "5") {
        assigned = false;
      }
    }
  }
  EXPECT_GT(visitor_messages, 50);
  EXPECT_GT(agent_messages, 50);

  // joined = queued + assigned + closed, and every closed conversation reached the system of
  // record exactly once.
  int joined = 0, queued = 0, assigned = 0, closed = 0;
  for (const auto& key : redis.command_list({"KEYS", "lc:conv:*"})) {
    if (key.find(':', 8) != std::string::npos) continue;  // streams, dedup maps, metadata
    ++joined;
    auto state = redis.command({"HGET", key, "state"});
    queued += state == "queued";
    assigned += state == "assigned";
    closed += state == "closed";
    if (state == "closed") {
      const auto conv = key.substr(8);
      for (int i = 0; i < 100 && redis.command({"ZSCORE", "lc:archive:pending", conv}) != "(nil)";
           ++i) {
        std::this_thread::sleep_for(100ms);
      }
      EXPECT_EQ(pg_query(postgres->url(), "SELECT count(*) FROM conversations WHERE id = $1",
                         {conv})[0][0],
                "1")
          << conv << " is not in the system of record";
      EXPECT_EQ(pg_query(postgres->url(), "SELECT count(*) FROM events WHERE conversation_id = $1",
                         {conv})[0][0],
                redis.command({"XLEN", key + ":s"}))
          << conv << ": its events";
    }
  }
  EXPECT_EQ(joined, visitors);
  EXPECT_EQ(joined, queued + assigned + closed);
  EXPECT_EQ(closed, visitors);
  int reconnects = 0;
  for (const auto& p : peers) reconnects += p->record().reconnects;
  RecordProperty("reconnects", reconnects);
  RecordProperty("visitor_messages", visitor_messages);
  RecordProperty("agent_messages", agent_messages);
  std::printf(
      "fault run (appendfsync %s): %d visitor and %d agent messages acknowledged, all "
      "delivered; %d reconnects\n",
      GetParam().c_str(), visitor_messages, agent_messages, reconnects);
}

INSTANTIATE_TEST_SUITE_P(Fsync, Fault, ::testing::Values("always", "everysec"));

}  // namespace
}  // namespace lc::test
