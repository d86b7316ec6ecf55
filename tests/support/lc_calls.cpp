#include "tests/support/lc_calls.hpp"

#include "server/core/netstring.hpp"

namespace lc::test {

std::vector<std::string> other_node_lease_call() {
  return {"FCALL", "lc_lease", "0", other_node, "600000", "0"};
}

std::vector<std::string> agent_post_call(const std::string& node_epoch, const std::string& conv,
                                         const std::string& agent, const std::string& name,
                                         const std::string& client_msg_id,
                                         const std::string& text) {
  // Roles and kinds as livechat.proto numbers them: ROLE_AGENT 2, EVENT_KIND_MESSAGE 1.
  std::string body;
  for (const std::string& item :
       {std::string("k"), std::string("1"), std::string("r"), std::string("2"), std::string("id"),
        agent, std::string("n"), name, std::string("t"), text, std::string("c"), client_msg_id}) {
    core::append_netstring(body, item);
  }
  return {"FCALL", "lc_post", "0",           other_node, node_epoch, conv,
          "2",     agent,     client_msg_id, "",         "0",        body};
}

}  // namespace lc::test
