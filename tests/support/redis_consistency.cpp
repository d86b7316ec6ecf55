#include "tests/support/redis_consistency.hpp"

namespace lc::test {

std::vector<std::string> redis_inconsistencies(redis_fixture& redis, unsigned long max_capacity) {
  std::vector<std::string> out;
  auto field = [&](const std::string& key, const std::string& f) {
    auto v = redis.command({"HGET", key, f});
    return v == "(nil)" ? std::string() : v;
  };
  int joined = 0, queued = 0, assigned = 0, closed = 0;
  for (const auto& key : redis.command_list({"KEYS", "lc:conv:*"})) {
    if (key.find(':', 8) != std::string::npos) continue;  // streams, dedup maps, metadata
    ++joined;
    const auto conv = key.substr(8);
    const auto state = field(key, "state");
    const auto dept = field(key, "dept");
    const auto agent = field(key, "agent");
    const auto visitor = field(key, "visitor");
    const bool in_queue = redis.command({"ZSCORE", "lc:q:" + dept, conv}) != "(nil)";
    const bool agent_holds =
        !agent.empty() && redis.command({"SISMEMBER", "lc:agent:" + agent + ":convs", conv}) == "1";
    if (state == "queued") {
      ++queued;
      if (!in_queue) out.push_back(conv + " is queued but not in lc:q:" + dept);
      if (!agent.empty()) out.push_back(conv + " is queued but names agent " + agent);
    } else if (state == "assigned") {
      ++assigned;
      if (in_queue) out.push_back(conv + " is assigned but still queued");
      if (!agent_holds) out.push_back(conv + " is assigned to " + agent + " who does not hold it");
    } else if (state == "closed") {
      ++closed;
      if (in_queue) out.push_back(conv + " is closed but still queued");
      if (agent_holds) out.push_back(conv + " is closed but " + agent + " still holds it");
    } else {
      out.push_back(conv + " has state '" + state + "'");
    }
    if (state != "closed" && field("lc:visitor:" + visitor, "open") != conv) {
      out.push_back(conv + " is open but visitor " + visitor + " does not have it open");
    }
  }
  if (joined != queued + assigned + closed) out.push_back("joined != queued + assigned + closed");
  for (const auto& key : redis.command_list({"KEYS", "lc:q:*"})) {
    const auto dept = key.substr(5);
    for (const auto& conv : redis.command_list({"ZRANGE", key, "0", "-1"})) {
      if (field("lc:conv:" + conv, "state") != "queued" ||
          field("lc:conv:" + conv, "dept") != dept) {
        out.push_back(conv + " sits in " + key + " without being queued there");
      }
    }
  }
  for (const auto& key : redis.command_list({"KEYS", "lc:agent:*"})) {
    if (key.find(':', 9) != std::string::npos) continue;
    const auto agent = key.substr(9);
    const auto held = redis.command({"SCARD", key + ":convs"});
    if (field(key, "active") != held) {
      out.push_back(agent + " counts " + field(key, "active") + " active chats but holds " + held);
    }
    if (std::stoul(held) > max_capacity) out.push_back(agent + " holds more than their capacity");
    for (const auto& conv : redis.command_list({"SMEMBERS", key + ":convs"})) {
      if (field("lc:conv:" + conv, "state") != "assigned" ||
          field("lc:conv:" + conv, "agent") != agent) {
        out.push_back(agent + " holds " + conv + " which is not assigned to them");
      }
    }
  }
  for (const auto& key : redis.command_list({"KEYS", "lc:visitor:*"})) {
    if (key.find(':', 11) != std::string::npos) continue;
    const auto open = field(key, "open");
    if (open.empty()) continue;
    if (field("lc:conv:" + open, "visitor") != key.substr(11) ||
        field("lc:conv:" + open, "state") == "closed") {
      out.push_back(key + " has " + open + " open, which is not an open chat of theirs");
    }
  }
  return out;
}

}  // namespace lc::test
