#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/core/token.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tokens.hpp"
#include "tests/support/ws/ws_client.hpp"

namespace lc::test {

namespace pb = livechat::v1;
using namespace std::chrono_literals;

inline constexpr const char* test_secret = "e2e-secret-not-for-production-0123456789";

// One Redis for the suite, flushed before each test, one PostgreSQL per test (every node of the
// test shares both, as a cluster does), and helpers to start real server nodes on them and talk
// to them like the widget and the agent console do.
class e2e : public redis_suite {
 protected:
  std::unique_ptr<server_process> start_node(const std::string& node_id,
                                             std::vector<std::string> extra = {}) {
    server_options o;
    o.binary = LIVECHAT_BINARY;
    o.args = {"--redis",     redis().url(), "--postgres",          postgres().url(),
              "--secret",    test_secret,   "--node-id",           node_id,
              "--log-level", "warn",        "--match-interval-ms", "200"};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.health_target = "/readyz";
    return server_process::start(o);
  }

  // The test's system of record, started on first use.
  pg_fixture& postgres() {
    if (!postgres_) postgres_ = pg_fixture::start();
    return *postgres_;
  }
  std::unique_ptr<pg_fixture> postgres_;

  static std::string agent_token(const std::string& id, std::vector<std::string> departments,
                                 std::uint32_t capacity, bool admin = false) {
    return agent_token_for(test_secret, id, std::move(departments), capacity, admin);
  }

  static std::unique_ptr<ws_client> connect(const server_process& node) {
    return std::make_unique<ws_client>(node.host(), node.port());
  }

  static void add_resume(pb::Hello& hello,
                         const std::vector<std::pair<std::string, std::uint64_t>>& resume) {
    for (const auto& [conv, seq] : resume) {
      auto* p = hello.add_resume();
      p->set_conversation_id(conv);
      p->set_last_seq(seq);
    }
  }

  // Hello as a visitor; returns the Welcome.
  static pb::Welcome visitor_hello(ws_client& ws, const std::string& token = "",
                                   std::vector<std::pair<std::string, std::uint64_t>> resume = {}) {
    pb::ClientEnvelope req;
    req.mutable_hello()->set_visitor_token(token);
    add_resume(*req.mutable_hello(), resume);
    auto env = ws.request(req);
    EXPECT_TRUE(env.has_welcome()) << env.DebugString();
    return env.welcome();
  }

  static pb::Welcome agent_hello(ws_client& ws, const std::string& token,
                                 std::vector<std::pair<std::string, std::uint64_t>> resume = {}) {
    pb::ClientEnvelope req;
    req.mutable_hello()->set_agent_token(token);
    add_resume(*req.mutable_hello(), resume);
    auto env = ws.request(req);
    EXPECT_TRUE(env.has_welcome()) << env.DebugString();
    return env.welcome();
  }

  static void set_presence(ws_client& ws, pb::PresenceStatus status) {
    pb::ClientEnvelope req;
    req.mutable_presence()->set_status(status);
    auto env = ws.request(req);
    EXPECT_TRUE(env.has_ack()) << env.DebugString();
  }

  // Joins the queue; returns the Ack (conversation id, seq of the first message).
  static pb::Ack join(ws_client& ws, const std::string& name, const std::string& dept,
                      const std::string& first = "Hello, I need help",
                      const std::string& cmid = "join-1") {
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name(name);
    j->set_email("visitor@example.org");
    j->set_department(dept);
    j->set_first_message(first);
    j->set_client_msg_id(cmid);
    j->set_page_url("https://shop.example.org/checkout");
    (*j->mutable_metadata())["plan"] = "pro";
    auto env = ws.request(req);
    EXPECT_TRUE(env.has_ack()) << env.DebugString();
    return env.ack();
  }

  static pb::ServerEnvelope send_text(ws_client& ws, const std::string& conv,
                                      const std::string& cmid, const std::string& text) {
    pb::ClientEnvelope req;
    auto* s = req.mutable_send();
    s->set_conversation_id(conv);
    s->set_client_msg_id(cmid);
    s->set_text(text);
    return ws.request(req);
  }

  // Waits for the chat event of `conv` with the given text.
  static std::optional<pb::ChatEvent> wait_message(ws_client& ws, const std::string& conv,
                                                   const std::string& text,
                                                   std::chrono::milliseconds t = 5s) {
    auto env = ws.wait_for(
        [&](const pb::ServerEnvelope& e) {
          return e.has_event() && e.event().conversation_id() == conv && e.event().text() == text;
        },
        t);
    if (!env) return std::nullopt;
    return env->event();
  }

  static std::optional<pb::Assigned> wait_assigned(ws_client& ws, const std::string& conv = "",
                                                   std::chrono::milliseconds t = 5s) {
    auto env = ws.wait_for(
        [&](const pb::ServerEnvelope& e) {
          return e.has_assigned() && (conv.empty() || e.assigned().conversation_id() == conv);
        },
        t);
    if (!env) return std::nullopt;
    return env->assigned();
  }

  static std::vector<pb::ChatEvent> drain_events(ws_client& ws, const std::string& conv,
                                                 std::chrono::milliseconds quiet = 500ms) {
    std::vector<pb::ChatEvent> out;
    while (auto env = ws.wait_for(
               [&](const pb::ServerEnvelope& e) {
                 return e.has_event() && e.event().conversation_id() == conv;
               },
               quiet)) {
      out.push_back(env->event());
    }
    return out;
  }
};

}  // namespace lc::test
