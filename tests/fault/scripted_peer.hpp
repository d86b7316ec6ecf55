#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "tests/support/ws/ws_client.hpp"

namespace lc::test {

// What one scripted participant saw and had acknowledged, for the checks after the run.
struct peer_record {
  // conversation -> client message id -> (seq, text) the server acknowledged
  std::map<std::string, std::map<std::string, std::pair<std::uint64_t, std::string>>> acked;
  // conversation -> every ChatEvent seq pushed live, in arrival order (duplicates kept)
  std::map<std::string, std::vector<std::uint64_t>> live_seqs;
  // conversation -> seq -> text of everything seen (live or in an Assigned history)
  std::map<std::string, std::map<std::uint64_t, std::string>> seen;
  std::vector<std::string> conversations;  // in the order they were joined or assigned
  int reconnects = 0;
  std::vector<std::string> problems;  // protocol surprises (unexpected errors)
};

// A visitor or agent that chats on a schedule and survives anything: on a dropped connection,
// a server close, a silent node or an UNAVAILABLE error it reconnects (through the load
// balancer), resumes from the last seq it has of each conversation, and resends every
// unacknowledged message with its original client message id, as the real client does.
class scripted_peer {
 public:
  struct options {
    std::string host;
    std::uint16_t port = 0;
    std::string agent_token;  // empty: a visitor
    std::string name;
    std::string department = "support";
    std::chrono::milliseconds send_every{250};
    std::chrono::milliseconds ack_timeout{3000};
  };

  explicit scripted_peer(options o);
  ~scripted_peer();

  void start();
  // Stop writing new messages; keep reconnecting and resending until everything is acked.
  void quiesce() { sending_ = false; }
  // Visitors: close the conversation (after everything is acked). Then the thread ends.
  void finish() { finishing_ = true; }
  void join();
  bool all_acked() const { return unacked_count_.load() == 0; }
  bool closed() const { return closed_.load(); }
  const peer_record& record() const { return record_; }
  std::string conversation() const;

 private:
  struct outgoing {
    std::string conversation, cmid, text;
    std::uint64_t request_id = 0;
    std::chrono::steady_clock::time_point sent_at;
  };

  void run();
  bool connect();
  void handle(const livechat::v1::ServerEnvelope& env);
  void send_request(livechat::v1::ClientEnvelope req);
  void resend_unacked();
  void maybe_send_chat();

  options options_;
  std::unique_ptr<ws_client> ws_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> sending_{true};
  std::atomic<bool> finishing_{false};
  std::atomic<bool> closed_{false};
  std::atomic<int> unacked_count_{0};
  mutable std::mutex mutex_;  // guards record_ and conversation_ for readers on the test thread
  peer_record record_;
  std::string visitor_token_;
  std::string conversation_;           // visitors: their conversation
  std::set<std::string> agent_convs_;  // agents: the conversations they hold
  std::map<std::string, std::uint64_t> last_seq_;
  std::map<std::string, outgoing> unacked_;       // cmid -> message
  std::map<std::uint64_t, std::string> pending_;  // request id -> cmid ("" for non-messages)
  bool joined_ = false;
  bool join_sent_ = false;
  bool close_sent_ = false;
  std::uint64_t next_request_ = 1;
  int counter_ = 0;
  std::chrono::steady_clock::time_point next_send_;
  std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace lc::test
