#pragma once

#include <string>
#include <vector>

namespace lc::test {

// FCALL lc_post for an agent, as another node would send it: for tests that write a conversation
// straight through the Functions library while the node under test watches.
std::vector<std::string> agent_post_call(const std::string& node_epoch, const std::string& conv,
                                         const std::string& agent, const std::string& name,
                                         const std::string& client_msg_id, const std::string& text);

}  // namespace lc::test
