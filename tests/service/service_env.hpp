#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/service/chat_service.hpp"
#include "server/service/transport.hpp"
#include "server/store/redis_connection.hpp"
#include "tests/support/redis_fixture.hpp"

// The chat service driven through its seams: a real redis-server (the fixture), the service on
// an io_context this thread runs, and in-memory client links standing in for server/net. No
// sockets, no Beast: the tests see exactly the frames the service hands the network layer.
namespace lc::test {

namespace pb = livechat::v1;
using namespace std::chrono_literals;

inline constexpr const char* service_secret = "service-test-secret";

// The network layer's side of one connection, in memory: a bounded send queue the test drains,
// a close that reaches the service on the next turn of the loop (as a socket's would).
class fake_link final : public service::client_link {
 public:
  fake_link(boost::asio::io_context& io, std::size_t limit) : io_(io), limit_(limit) {}

  bool send(std::shared_ptr<const std::string> frame) override;
  std::size_t send_room() const override;
  void notify_writable() override { wants_writable_ = true; }
  void close(std::uint16_t code, std::string_view reason) override;
  const std::string& peer() const override { return peer_; }
  const std::string& address() const override { return address_; }
  void hello_done(bool counted) override {
    hello_done_ = true;
    counted_ = counted;
  }

  void attach(std::shared_ptr<service::connection_handler> h) { handler_ = std::move(h); }
  // The client reads up to `max` queued frames; then the service hears the queue drained if it
  // asked and the queue is empty.
  std::vector<pb::ServerEnvelope> read(std::size_t max = SIZE_MAX);
  // The connection ends without a close handshake (a reset): the service hears it now.
  void reset();
  // A frame from the client.
  void deliver(const std::string& bytes);

  void set_address(std::string a) { address_ = std::move(a); }
  bool said_hello() const { return hello_done_; }
  bool counted() const { return counted_; }
  std::size_t queued() const { return queue_.size(); }
  std::size_t most_queued() const { return most_queued_; }
  bool overflowed() const { return overflowed_; }
  bool closing() const { return closing_; }
  std::optional<std::uint16_t> close_code() const { return close_code_; }

 private:
  void end();

  boost::asio::io_context& io_;
  std::size_t limit_;
  std::string peer_ = "fake";
  std::string address_ = "127.0.0.1";
  bool hello_done_ = false;
  bool counted_ = true;
  std::shared_ptr<service::connection_handler> handler_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t most_queued_ = 0;
  std::optional<std::uint16_t> close_code_;
  bool wants_writable_ = false;
  bool overflowed_ = false;
  bool closing_ = false;
  bool ended_ = false;
};

class service_env;

// A client of the protocol on a fake link: the frames it got, and helpers shaped like the
// widget's and the console's requests.
class fake_client {
 public:
  fake_client(service_env& env, std::shared_ptr<fake_link> link);
  ~fake_client();
  fake_client(const fake_client&) = delete;
  fake_client& operator=(const fake_client&) = delete;

  fake_link& link() { return *link_; }
  // Sends a request with a fresh id and runs the service until its answer arrives.
  pb::ServerEnvelope request(pb::ClientEnvelope req, std::chrono::milliseconds t = 5s);
  void send(const pb::ClientEnvelope& req);
  // The first frame (already read or still to come) that matches; it is consumed.
  std::optional<pb::ServerEnvelope> wait_for(std::function<bool(const pb::ServerEnvelope&)> pred,
                                             std::chrono::milliseconds t = 5s);
  // Everything read so far (consumed frames excluded), in arrival order.
  std::vector<pb::ServerEnvelope>& inbox() { return inbox_; }
  void pull(std::size_t max = SIZE_MAX);
  bool reading = true;  // false: frames stay in the link's queue until pull()

  pb::Welcome hello_visitor(const std::string& token = "",
                            std::vector<std::pair<std::string, std::uint64_t>> resume = {});
  pb::Welcome hello_agent(const std::string& id, std::vector<std::string> departments,
                          std::uint32_t capacity,
                          std::vector<std::pair<std::string, std::uint64_t>> resume = {});
  void presence(pb::PresenceStatus status);
  pb::Ack join(const std::string& name, const std::string& dept = "billing",
               const std::string& first = "hello", const std::string& cmid = "join-1");
  pb::ServerEnvelope send_text(const std::string& conv, const std::string& cmid,
                               const std::string& text);
  std::optional<pb::Assigned> wait_assigned(const std::string& conv = "",
                                            std::chrono::milliseconds t = 5s);
  std::optional<pb::ChatEvent> wait_message(const std::string& conv, const std::string& text,
                                            std::chrono::milliseconds t = 5s);
  // The conversation's events in the order received (consumed), waiting `quiet` for more.
  std::vector<pb::ChatEvent> events(const std::string& conv,
                                    std::chrono::milliseconds quiet = 300ms);

 private:
  service_env& env_;
  std::shared_ptr<fake_link> link_;
  std::vector<pb::ServerEnvelope> inbox_;
  std::uint64_t next_request_ = 1;
};

// One node's chat service on a real Redis.
class service_env {
 public:
  // `record`: a system of record for the node (outlives it), or none.
  explicit service_env(redis_fixture& redis, const std::string& node = "n1",
                       std::function<void(service::service_options&)> tune = {},
                       record::record_pool* record = nullptr);
  ~service_env();

  service::chat_service& service() { return *service_; }
  boost::asio::io_context& io() { return io_; }
  redis_fixture& redis() { return redis_; }
  const service::service_options& options() const { return options_; }

  std::unique_ptr<fake_client> connect(std::size_t send_queue_limit = 256);
  // Runs the loop (reading every client that reads) until done() or the timeout.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds t = 5s);
  void run_for(std::chrono::milliseconds t);
  std::string agent_token(const std::string& id, std::vector<std::string> departments,
                          std::uint32_t capacity) const;

 private:
  friend class fake_client;
  void step();

  redis_fixture& redis_;
  boost::asio::io_context io_;
  service::service_options options_;
  std::unique_ptr<store::redis_connection> redis_conn_;
  std::unique_ptr<service::chat_service> service_;
  std::vector<fake_client*> clients_;
};

// Base for the service suites: one Redis per suite, flushed per test, one node per test.
class service_test : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    env_ = std::make_unique<service_env>(redis());
  }
  void TearDown() override { env_.reset(); }
  service_env& env() { return *env_; }

  std::unique_ptr<service_env> env_;
};

}  // namespace lc::test
