#pragma once

#include <string>
#include <vector>

namespace lc::test {

// The node the calls below act for: another node than the one under test, so that node hears of
// them as it would of any other node's writes.
inline constexpr const char* other_node = "elsewhere";

// FCALL lc_lease for other_node; its reply is the fencing epoch the calls below need.
std::vector<std::string> other_node_lease_call();

// FCALL lc_post for an agent, as other_node would send it: for tests that write a conversation
// straight through the Functions library while the node under test watches.
std::vector<std::string> agent_post_call(const std::string& node_epoch, const std::string& conv,
                                         const std::string& agent, const std::string& name,
                                         const std::string& client_msg_id, const std::string& text);

}  // namespace lc::test
