#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "tests/support/ws/ws_client.hpp"

namespace lc::test {

// One visitor or agent doing whatever a real one might, in a random order and at random
// moments, including leaving mid-request with a TCP reset: the churn that found the first
// round's use-after-free. It asserts nothing about replies; the test checks the server and
// Redis afterwards.
class churn_client {
 public:
  struct options {
    std::string host;
    std::uint16_t port = 0;
    std::string agent_id;                  // empty: a visitor
    std::string agent_token;               // agents only
    std::vector<std::string> agents;       // everyone's ids, for transfers
    std::vector<std::string> departments;  // to join or transfer to
    std::uint64_t seed = 1;
  };

  explicit churn_client(options o);
  // Runs until `stop` is set; returns the number of operations done.
  std::uint64_t run(const std::atomic<bool>& stop);

 private:
  void session(const std::atomic<bool>& stop);
  void hello();
  void visitor_step();
  void agent_step();
  void leave();  // ends the connection one of the ways a real client does
  void send(livechat::v1::ClientEnvelope req);
  void read_for(std::chrono::milliseconds t);
  void note(const livechat::v1::ServerEnvelope& env);
  int roll(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string pick(const std::vector<std::string>& v) {
    return v[roll(static_cast<int>(v.size()))];
  }

  options options_;
  std::mt19937_64 rng_;
  std::unique_ptr<ws_client> ws_;
  std::string visitor_token_;
  std::string conversation_;    // visitors: the open one
  std::set<std::string> held_;  // agents: conversations assigned to them
  std::map<std::string, std::uint64_t> last_seq_;
  std::uint64_t next_request_ = 1;
  std::uint64_t ops_ = 0;
  int counter_ = 0;
};

}  // namespace lc::test
