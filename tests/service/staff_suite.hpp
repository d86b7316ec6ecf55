#pragma once

#include "server/core/conversation_state.hpp"
#include "tests/service/service_env.hpp"
#include "tests/support/tokens.hpp"

namespace lc::test {

// A live chat between an agent and a visitor, and supervisors to watch it.
class staff_suite : public service_test {
 protected:
  struct chat {
    std::unique_ptr<fake_client> agent, visitor;
    std::string token, conv;
  };
  chat assigned_chat(const std::string& agent = "alice") {
    chat c;
    c.agent = env().connect();
    c.agent->hello_agent(agent, {"billing"}, 3);
    c.agent->presence(pb::PRESENCE_STATUS_ONLINE);
    c.visitor = env().connect();
    c.token = c.visitor->hello_visitor().visitor_token();
    c.conv = c.visitor->join("Vic").conversation_id();
    EXPECT_TRUE(c.agent->wait_assigned(c.conv));
    EXPECT_TRUE(c.visitor->wait_for([](const auto& e) { return e.has_assigned(); }));
    return c;
  }
  static pb::ClientEnvelope note(const std::string& conv, const std::string& cmid,
                                 const std::string& text) {
    pb::ClientEnvelope req;
    auto* s = req.mutable_send();
    s->set_conversation_id(conv);
    s->set_client_msg_id(cmid);
    s->set_text(text);
    s->set_note(true);
    return req;
  }
  static bool has_staff_only(const std::vector<pb::ChatEvent>& events) {
    for (const auto& e : events) {
      if (core::staff_only(e.kind())) return true;
    }
    return false;
  }
  std::unique_ptr<fake_client> supervisor(const std::string& id,
                                          std::vector<std::string> departments) {
    auto s = env().connect();
    pb::ClientEnvelope hello;
    hello.mutable_hello()->set_agent_token(staff_token_for(
        service_secret, id, std::move(departments), 2, core::staff_role::supervisor));
    auto w = s->request(hello);
    EXPECT_TRUE(w.has_welcome()) << w.DebugString();
    // Version 2 keeps notes from visitors (clients offer notes only from it on); 3 barges in;
    // 4 pushes the board.
    EXPECT_EQ(w.welcome().protocol_version(), 9u);
    return s;
  }
};

}  // namespace lc::test
