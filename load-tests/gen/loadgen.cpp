// lc_load: open-loop load generator for the live-chat server and for the relay peers.
// One process, one io_context, thousands of WebSocket clients (simulated visitors and agents).
// bench.py starts several of these, each from its own 127.0.0.x source address, and merges their
// JSON reports. Every loop below is bounded by a count or a deadline.
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "load-tests/gen/histogram.hpp"
#include "load-tests/gen/proc_stats.hpp"
#include "server/core/token.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace lc::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace pb = livechat::v1;
using tcp = asio::ip::tcp;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// Command line of one generator process; bench.py is the only intended caller.
struct options {
  bool peer = false;  // raw relay peers (ws, nchan, epoll) instead of the livechat protocol
  std::vector<tcp::endpoint> targets;
  std::vector<asio::ip::address> sources;
  std::string peer_visitor_path = "/r/{c}";
  std::string peer_agent_path = "/r/{c}";
  std::string tag = "g0";  // unique per process: conversation and agent names
  int visitors = 0;
  int agents = 0;
  int capacity = 1;
  int departments = 1;
  bool join = true;           // visitors join the queue (idle: waiting visitors)
  bool join_at_go = false;    // matching storm: joins are sent all at once after the barrier
  int expect_assigned = -1;   // storm: stop once this many visitors are assigned
  double run_seconds = 10;    // storm/idle: length of the run phase
  std::vector<double> steps;  // offered messages/s of this process, one entry per step
  double step_seconds = 5;
  double drain_seconds = 1;
  double think_ms = 0;
  int text_bytes = 64;
  bool receipts = false;
  bool close_at_end = false;
  bool barrier = false;
  bool stop_on_overload = false;
  // After each step, print it (STEP <json>) and read the next one from stdin: "NEXT <rate>" or
  // "END". bench.py then decides every step on the merged results of all its generators.
  bool step_control = false;
  double setup_timeout = 60;
  double connect_rate = 4000;
  int connect_window = 256;
  std::string secret = "load-test-secret-0123456789abcdef0123";  // bench.py's; >= 32 bytes
  std::vector<int> watch_pids;
  std::string out;
};

// Everything one process measures; serialised to JSON at the end.
struct step_result {
  double offered = 0;
  std::int64_t start_us = 0, end_us = 0;
  std::uint64_t sent = 0, acked = 0, received = 0;
  histogram latency;      // send schedule -> receipt by the other side
  histogram ack_latency;  // send schedule -> Ack (persisted in Redis)
  std::vector<proc_sample> cpu_before, cpu_after;
  proc_sample self_before, self_after;  // this generator process, at the same instants
  box_sample box_before, box_after;     // the whole machine, at the same instants
};

class generator;

// One WebSocket connection of a simulated visitor or agent.
class client : public std::enable_shared_from_this<client> {
 public:
  enum class role { visitor, agent };

  client(generator& g, role r, int index, tcp::endpoint target, asio::ip::address source);
  void start();
  void send(std::string frame);
  void send_envelope(pb::ClientEnvelope& env, std::uint64_t* request_id = nullptr);
  void send_join();
  void send_close_and_rate();
  bool is_open() const { return open_; }

  role role_;
  int index_;
  std::string conv_;  // visitor: its conversation; peer mode: the room of both sides
  bool assigned_ = false;
  bool got_assigned_push_ = false;
  bool setup_done_ = false;
  bool joined_ = false;
  bool welcomed_ = false;
  std::int64_t join_sent_us_ = 0;
  std::uint64_t join_req_ = 0;
  std::deque<std::pair<std::uint64_t, std::int64_t>> pending_acks_;  // request id, schedule
  std::uint64_t next_request_ = 1;
  std::uint64_t next_msg_ = 1;
  std::map<std::string, std::uint64_t> last_seq_;  // per conversation, for receipts

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void read();
  void on_read(beast::error_code ec, std::size_t n);
  void write_next();
  void fail(const char* kind, beast::error_code ec);
  void on_server(const pb::ServerEnvelope& env);

  generator& g_;
  tcp::endpoint target_;
  asio::ip::address source_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buf_;
  std::deque<std::string> outq_;
  bool writing_ = false;
  bool open_ = false;
  bool failed_ = false;
};

// One open-loop message stream: a client sending into one conversation on a fixed schedule.
struct sender {
  std::weak_ptr<client> owner;
  std::string conv;
  std::int64_t next_us = 0;
  std::int64_t start_after_us = 0;  // think time: not before this
  bool active = true;
};

// The whole simulated population of one process, its phases and its measurements.
class generator {
 public:
  explicit generator(options o)
      : o_(std::move(o)), timer_(io_), pace_(io_), connect_timer_(io_), signals_(io_) {}

  int run();

  asio::io_context io_;
  options o_;
  std::map<std::string, std::uint64_t> errors_;
  std::map<int, std::uint64_t> frames_;  // server frames received, by envelope body field number
  std::vector<step_result> steps_;
  histogram assign_latency_;          // join -> Assigned at the agent (the matcher's reach)
  histogram visitor_assign_latency_;  // join -> the visitor learns of it (push or event)
  std::vector<std::int64_t> assign_times_;
  std::unordered_map<std::string, std::int64_t> join_time_by_conv_;
  int unnotified_at_ready_ = 0;
  std::int64_t go_us_ = 0;
  int current_step_ = -1;
  bool sending_ = false;

  // Called by clients.
  void error(const std::string& kind) { ++errors_[kind]; }
  void on_open(client& c);
  void on_welcome(client& c);
  void on_joined(client& c);
  void on_assigned_visitor(client& c);
  void on_assigned_agent(client& c, const std::string& conv);
  void on_unassigned(client& c, const std::string& conv);
  void on_payload(std::string_view text);
  void on_ack(client& c, std::uint64_t request_id);
  void on_presence_ack(client& c) {
    ++agents_online_;
    release_slot(c);
    check_ready();
  }
  void release_slot(client& c);
  void on_closed(client& c, bool was_open);
  std::string message_text(std::int64_t sched_us, int step) const;
  void append_text(std::string& out, std::int64_t sched_us, int step) const;
  std::string peer_frame(const std::string& conv, std::int64_t sched_us, int step);
  std::string agent_token(int index) const;
  std::string department_of(int visitor_index) const {
    return "d" + std::to_string(visitor_index % o_.departments);
  }

 private:
  void pump_connects();
  void check_ready();
  void go();
  void start_step(int i, double rate);
  void end_step(int i);
  void read_command(int i);
  void arm_hard_stop(double seconds);
  void sample_start(step_result& s) const;
  void sample_end(step_result& s) const;
  void schedule_sends();
  void fire_sends();
  void finish();
  void write_report();
  bool step_overloaded(const step_result& s) const;
  std::vector<proc_sample> sample_watched() const;

  asio::system_timer timer_;  // the send schedule (wall clock: timestamps cross processes)
  asio::steady_timer pace_;   // phase deadlines
  asio::steady_timer connect_timer_;
  bool connect_timer_pending_ = false;
  asio::signal_set signals_;
  asio::steady_timer hard_stop_{io_};
  asio::posix::stream_descriptor control_in_{io_};  // stdin under --step-control
  asio::streambuf control_buf_;
  // Envelope sizes by field lengths (see peer_frame).
  std::unordered_map<std::size_t, std::size_t> peer_frame_size_;
  // The one SendMessage envelope every send fills in (see fire_sends).
  pb::ClientEnvelope send_env_;
  std::vector<std::shared_ptr<client>> clients_;
  std::size_t next_connect_ = 0;
  int connects_in_flight_ = 0;
  std::int64_t connect_started_us_ = 0;
  int opened_ = 0, welcomed_ = 0, joined_ = 0, assigned_visitors_ = 0, agent_assignments_ = 0;
  int agents_online_ = 0;
  bool ready_ = false, went_ = false, finished_ = false;
  std::vector<sender> senders_;
  using due = std::pair<std::int64_t, std::size_t>;
  std::priority_queue<due, std::vector<due>, std::greater<>> heap_;
  std::int64_t period_us_ = 0;
  std::mt19937_64 rng_{12345};
};

// ------------------------------------------------------------------------------------- client

client::client(generator& g, role r, int index, tcp::endpoint target, asio::ip::address source)
    : role_(r), index_(index), g_(g), target_(target), source_(source), ws_(g.io_) {}

void client::start() {
  auto& sock = ws_.next_layer();
  beast::error_code ec;
  sock.open(tcp::v4(), ec);
  if (ec) return fail("socket", ec);
  // Let connect() pick the port per 4-tuple, so one source address serves many targets.
  int one = 1;
  ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sock.bind(tcp::endpoint(source_, 0), ec);
  if (ec) return fail("bind", ec);
  sock.async_connect(target_,
                     [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void client::on_connect(beast::error_code ec) {
  if (ec) return fail("connect", ec);
  ws_.next_layer().set_option(tcp::no_delay(true), ec);
  ws_.binary(!g_.o_.peer);  // nchan relays text frames; the payload is ASCII in peer mode
  ws_.auto_fragment(false);
  ws_.read_message_max(1 << 20);
  std::string path = "/ws";
  if (g_.o_.peer) {
    path = replace_all(role_ == role::visitor ? g_.o_.peer_visitor_path : g_.o_.peer_agent_path,
                       "{c}", conv_);
  }
  ws_.async_handshake(target_.address().to_string() + ":" + std::to_string(target_.port()), path,
                      [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
}

void client::on_handshake(beast::error_code ec) {
  if (ec) return fail("handshake", ec);
  open_ = true;
  read();
  g_.on_open(*this);
  if (g_.o_.peer) return;
  pb::ClientEnvelope env;
  auto* h = env.mutable_hello();
  h->set_client_version("lc_load");
  if (role_ == role::agent) h->set_agent_token(g_.agent_token(index_));
  send_envelope(env);
}

void client::read() {
  ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void client::on_read(beast::error_code ec, std::size_t n) {
  if (ec) return fail("read", ec);
  auto data = buf_.cdata();
  std::string_view bytes(static_cast<const char*>(data.data()), data.size());
  if (g_.o_.peer) {
    g_.on_payload(bytes);
  } else {
    pb::ServerEnvelope env;
    if (env.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      on_server(env);
    } else {
      g_.error("protocol:unparseable");
    }
  }
  buf_.consume(buf_.size());
  read();
}

void client::on_server(const pb::ServerEnvelope& env) {
  static const bool debug = std::getenv("LC_LOAD_DEBUG") != nullptr;
  if (debug) {
    std::fprintf(stderr, "%s%d <- %s\n", role_ == role::agent ? "a" : "v", index_,
                 env.ShortDebugString().substr(0, 200).c_str());
  }
  ++g_.frames_[static_cast<int>(env.body_case())];
  switch (env.body_case()) {
    case pb::ServerEnvelope::kWelcome:
      welcomed_ = true;
      if (role_ == role::agent) {
        pb::ClientEnvelope req;
        req.mutable_presence()->set_status(pb::PRESENCE_STATUS_ONLINE);
        send_envelope(req, &join_req_);  // presence ack is told apart by join_req_
      }
      g_.on_welcome(*this);
      break;
    case pb::ServerEnvelope::kAck: {
      auto rid = env.request_id();
      if (role_ == role::agent && rid == join_req_ && join_req_ != 0) {
        join_req_ = 0;
        g_.on_presence_ack(*this);
      } else if (role_ == role::visitor && rid == join_req_ && join_req_ != 0) {
        join_req_ = 0;
        conv_ = env.ack().conversation_id();
        joined_ = true;
        g_.on_joined(*this);
      } else {
        g_.on_ack(*this, rid);
      }
      break;
    }
    case pb::ServerEnvelope::kError:
      g_.error("server:" + pb::ErrorCode_Name(env.error().code()));
      if (!setup_done_) g_.release_slot(*this);  // a failed hello or join ends this setup
      // A failed send still releases its slot in the ack queue.
      g_.on_ack(*this, env.request_id() != 0 ? env.request_id() : env.error().request_id());
      break;
    case pb::ServerEnvelope::kAssigned:
      if (role_ == role::visitor) {
        got_assigned_push_ = true;
        if (!assigned_) {
          assigned_ = true;
          g_.on_assigned_visitor(*this);
        }
      } else {
        g_.on_assigned_agent(*this, env.assigned().conversation_id());
      }
      break;
    case pb::ServerEnvelope::kEvent: {
      const auto& ev = env.event();
      if (ev.kind() == pb::EVENT_KIND_MESSAGE) {
        g_.on_payload(ev.text());
        if (g_.o_.receipts) {
          pb::ClientEnvelope r;
          r.mutable_receipt()->set_conversation_id(ev.conversation_id());
          r.mutable_receipt()->set_seq(ev.seq());
          r.mutable_receipt()->set_kind(pb::RECEIPT_KIND_DELIVERED);
          send_envelope(r);
        }
      } else if (ev.kind() == pb::EVENT_KIND_ASSIGNED && role_ == role::visitor && !assigned_) {
        // The Assigned push may never come (server race, see BENCHMARKS.md): the stream event
        // is the authoritative assignment, so take it and count the missing push separately.
        assigned_ = true;
        g_.on_assigned_visitor(*this);
      } else if (ev.kind() == pb::EVENT_KIND_CLOSED && role_ == role::agent) {
        g_.on_unassigned(*this, ev.conversation_id());
      }
      break;
    }
    case pb::ServerEnvelope::kUnassigned:
      g_.on_unassigned(*this, env.unassigned().conversation_id());
      g_.error("unexpected:unassigned");
      break;
    case pb::ServerEnvelope::kReconnect:
      g_.error("unexpected:reconnect");
      break;
    default:
      break;  // queue status, typing, receipts, pongs: not measured
  }
}

void client::send_envelope(pb::ClientEnvelope& env, std::uint64_t* request_id) {
  env.set_request_id(next_request_++);
  if (request_id) *request_id = env.request_id();
  send(env.SerializeAsString());
}

void client::send_join() {
  pb::ClientEnvelope env;
  auto* j = env.mutable_join();
  j->set_display_name("Visitor " + std::to_string(index_));
  j->set_email("v" + std::to_string(index_) + "@example.org");
  j->set_department(g_.department_of(index_));
  j->set_first_message("Hello, I need help with my order");
  j->set_client_msg_id("j1");
  join_sent_us_ = now_us();
  send_envelope(env, &join_req_);
}

void client::send_close_and_rate() {
  if (conv_.empty() || !open_) return;
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv_);
  send_envelope(close);
  pb::ClientEnvelope rate;
  rate.mutable_rate()->set_conversation_id(conv_);
  rate.mutable_rate()->set_rating(5);
  rate.mutable_rate()->set_comment("thanks");
  send_envelope(rate);
}

void client::send(std::string frame) {
  if (!open_) {
    g_.error("send:not_open");
    return;
  }
  outq_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void client::write_next() {
  if (outq_.empty() || !open_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.async_write(asio::buffer(outq_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return self->fail("write", ec);
                    self->outq_.pop_front();
                    self->write_next();
                  });
}

void client::fail(const char* kind, beast::error_code ec) {
  if (failed_) return;
  failed_ = true;
  bool was_open = open_;
  open_ = false;
  if (ec == asio::error::operation_aborted) return;  // our own shutdown
  g_.error(std::string(kind) + ":" + ec.message());
  g_.on_closed(*this, was_open);
  beast::error_code ignored;
  ws_.next_layer().close(ignored);
}

// ---------------------------------------------------------------------------------- generator

std::string generator::agent_token(int index) const {
  core::agent_claims c;
  c.agent_id = "a-" + o_.tag + "-" + std::to_string(index);
  c.issued_at_ms = now_us() / 1000;
  c.display_name = "Agent " + std::to_string(index);
  // Agents serve every department of this process: the storm's agents take from all of them.
  for (int d = 0; d < o_.departments; ++d) {
    // Department names are the operator's (the server's --departments): d0, d1, ...
    c.departments.push_back("d" + std::to_string(d));
  }
  c.capacity = static_cast<std::uint32_t>(o_.capacity);
  c.expires_at_s = now_us() / 1000000 + 24 * 3600;
  return core::sign_agent_token(c, o_.secret);
}

// "t=<scheduled µs>;s=<step>;" appended to out without temporaries (this runs per message).
void append_stamp(std::string& out, std::int64_t sched_us, int step) {
  char buf[48];  // "t=", at most 20 digits, ";s=", at most 11, ";"
  char* p = buf;
  *p++ = 't';
  *p++ = '=';
  p = std::to_chars(p, p + 20, sched_us).ptr;
  *p++ = ';';
  *p++ = 's';
  *p++ = '=';
  p = std::to_chars(p, p + 11, step).ptr;
  *p++ = ';';
  out.append(buf, p);
}

// One step as JSON: counts, histograms, and the CPU samples taken at its start and end (watched
// processes as [cpu seconds, rss KiB], this process's CPU seconds, the box's jiffies).
std::string step_json(const step_result& s) {
  auto cpu = [](const std::vector<proc_sample>& v) {
    std::string out = "[";
    for (std::size_t k = 0; k < v.size(); ++k) {
      out += (k ? "," : "") + std::string("[") + std::to_string(v[k].cpu_seconds) + "," +
             std::to_string(v[k].rss_kib) + "]";
    }
    return out + "]";
  };
  auto box = [](const box_sample& b) {
    return "[" + std::to_string(b.busy) + "," + std::to_string(b.total) + "]";
  };
  return std::string("{\"offered\":") + std::to_string(s.offered) +
         ",\"start_us\":" + std::to_string(s.start_us) + ",\"end_us\":" + std::to_string(s.end_us) +
         ",\"sent\":" + std::to_string(s.sent) + ",\"acked\":" + std::to_string(s.acked) +
         ",\"received\":" + std::to_string(s.received) + ",\"latency\":" + s.latency.json() +
         ",\"ack_latency\":" + s.ack_latency.json() + ",\"cpu_before\":" + cpu(s.cpu_before) +
         ",\"cpu_after\":" + cpu(s.cpu_after) +
         ",\"self_cpu_before\":" + std::to_string(s.self_before.cpu_seconds) +
         ",\"self_cpu_after\":" + std::to_string(s.self_after.cpu_seconds) +
         ",\"box_before\":" + box(s.box_before) + ",\"box_after\":" + box(s.box_after) +
         ",\"clk_tck\":" + std::to_string(sysconf(_SC_CLK_TCK)) + "}";
}

// The stamp, then 'x' padding up to text_bytes, appended to out.
void generator::append_text(std::string& out, std::int64_t sched_us, int step) const {
  auto from = out.size();
  append_stamp(out, sched_us, step);
  auto want = static_cast<std::size_t>(std::max(o_.text_bytes, 0));
  if (out.size() - from < want) out.append(want - (out.size() - from), 'x');
}

std::string generator::message_text(std::int64_t sched_us, int step) const {
  std::string t;
  t.reserve(static_cast<std::size_t>(std::max(o_.text_bytes, 48)));
  append_text(t, sched_us, step);
  return t;
}

// Same bytes on the wire as the livechat SendMessage envelope, but ASCII so nchan's text frames
// carry it unchanged. The envelope's size depends only on the lengths of its strings (the
// conversation id and the text; the rest is constant), so it is computed once per pair of
// lengths instead of building an envelope per message.
std::string generator::peer_frame(const std::string& conv, std::int64_t sched_us, int step) {
  std::string t;
  t.reserve(160);
  append_stamp(t, sched_us, step);
  auto text_len = std::max(t.size(), static_cast<std::size_t>(std::max(o_.text_bytes, 0)));
  auto key = conv.size() << 32 | text_len;
  auto it = peer_frame_size_.find(key);
  if (it == peer_frame_size_.end()) {
    pb::ClientEnvelope env;
    env.set_request_id(1000);
    auto* s = env.mutable_send();
    s->set_conversation_id(conv);
    s->set_client_msg_id("m1000");
    s->set_text(message_text(sched_us, step));
    it = peer_frame_size_.emplace(key, env.ByteSizeLong()).first;
  }
  if (t.size() < it->second) t.append(it->second - t.size(), 'x');
  return t;
}

void generator::on_payload(std::string_view text) {
  // "t=<scheduled µs>;s=<step>;" then padding.
  if (text.size() < 5 || text.substr(0, 2) != "t=") return error("protocol:payload");
  auto semi = text.find(';');
  auto s_pos = text.find("s=", semi);
  auto semi2 = text.find(';', s_pos);
  if (semi == std::string_view::npos || s_pos == std::string_view::npos ||
      semi2 == std::string_view::npos) {
    return error("protocol:payload");
  }
  std::int64_t sched = 0;
  int step = -1;
  auto sv = text.substr(2, semi - 2), stv = text.substr(s_pos + 2, semi2 - s_pos - 2);
  if (std::from_chars(sv.data(), sv.data() + sv.size(), sched).ec != std::errc{} ||
      std::from_chars(stv.data(), stv.data() + stv.size(), step).ec != std::errc{}) {
    return error("protocol:payload");
  }
  if (step < 0 || step >= static_cast<int>(steps_.size())) return error("protocol:step");
  auto& s = steps_[step];
  ++s.received;
  s.latency.record(now_us() - sched);
}

void generator::on_ack(client& c, std::uint64_t request_id) {
  // Acks come back in request order per connection; drop anything older than this one.
  for (int i = 0; i < 64 && !c.pending_acks_.empty(); ++i) {
    auto [rid, sched] = c.pending_acks_.front();
    if (rid > request_id) break;
    c.pending_acks_.pop_front();
    if (rid == request_id) {
      int step = current_step_;
      if (step >= 0) {
        ++steps_[step].acked;
        steps_[step].ack_latency.record(now_us() - sched);
      }
      break;
    }
  }
}

// A client holds one of the connect_window slots until its setup is through (WebSocket open
// for the peers; presence ack, welcome or join ack here): the server's Redis then never sees more
// than connect_window setup requests of one generator at once, however fast connects succeed.
void generator::release_slot(client& c) {
  if (c.setup_done_) return;
  c.setup_done_ = true;
  --connects_in_flight_;
  pump_connects();
}

void generator::on_open(client& c) {
  ++opened_;
  if (o_.peer) {
    ++welcomed_;
    senders_.push_back({c.weak_from_this(), c.conv_, 0, 0, true});
    release_slot(c);
    check_ready();
  }
}

void generator::on_welcome(client& c) {
  ++welcomed_;
  if (c.role_ == client::role::visitor && o_.join && !o_.join_at_go) {
    c.send_join();
  } else if (c.role_ == client::role::visitor) {
    release_slot(c);
  }
  check_ready();
}

void generator::on_joined(client& c) {
  ++joined_;
  release_slot(c);
  join_time_by_conv_[c.conv_] = c.join_sent_us_;
  // The visitor sends into its conversation from the start: it need not wait for the
  // assignment push, which the server may not deliver (see BENCHMARKS.md, findings).
  if (!o_.steps.empty()) senders_.push_back({c.weak_from_this(), c.conv_, 0, 0, true});
  check_ready();
}

void generator::on_assigned_visitor(client& c) {
  ++assigned_visitors_;
  if (c.join_sent_us_ > 0) visitor_assign_latency_.record(now_us() - c.join_sent_us_);
  check_ready();
}

void generator::on_assigned_agent(client& c, const std::string& conv) {
  ++agent_assignments_;
  auto t = now_us();
  auto j = join_time_by_conv_.find(conv);
  if (j != join_time_by_conv_.end() && j->second > 0) {
    assign_latency_.record(t - j->second);
    if (went_) assign_times_.push_back(t);
  }
  if (o_.join_at_go && went_ && o_.expect_assigned > 0 &&
      static_cast<int>(assign_times_.size()) >= o_.expect_assigned) {
    asio::post(io_, [this] { finish(); });
  }
  auto think = static_cast<std::int64_t>(o_.think_ms * 1000);
  senders_.push_back({c.weak_from_this(), conv, 0, now_us() + think, true});
  check_ready();
}

void generator::on_unassigned(client& c, const std::string& conv) {
  for (auto& s : senders_) {
    if (s.conv == conv && s.owner.lock().get() == &c) s.active = false;
  }
}

void generator::on_closed(client& c, bool was_open) {
  release_slot(c);
}

void generator::pump_connects() {
  if (next_connect_ >= clients_.size()) return;
  auto elapsed = static_cast<double>(now_us() - connect_started_us_) / 1e6;
  auto allowed = static_cast<std::size_t>(elapsed * o_.connect_rate) + 1;
  int launched = 0;
  while (next_connect_ < clients_.size() && connects_in_flight_ < o_.connect_window &&
         next_connect_ < allowed && launched < 10000) {
    ++connects_in_flight_;
    ++launched;
    clients_[next_connect_++]->start();
  }
  if (next_connect_ < clients_.size() && !connect_timer_pending_) {
    connect_timer_pending_ = true;
    connect_timer_.expires_after(std::chrono::milliseconds(5));
    connect_timer_.async_wait([this](beast::error_code) {
      connect_timer_pending_ = false;
      pump_connects();
    });
  }
}

void generator::check_ready() {
  if (ready_) return;
  const int total = static_cast<int>(clients_.size());
  bool ok = false;
  if (o_.peer) {
    ok = opened_ == total;
  } else {
    bool agents_ok = agents_online_ == o_.agents;
    if (o_.join_at_go || !o_.join) {
      ok = welcomed_ == total && agents_ok;
    } else if (o_.agents == 0) {
      ok = joined_ == o_.visitors;
    } else {
      ok = agents_ok && joined_ == o_.visitors && agent_assignments_ >= o_.visitors;
    }
  }
  if (!ok) return;
  ready_ = true;
  unnotified_at_ready_ = joined_ - assigned_visitors_;
  std::printf("READY opened=%d welcomed=%d joined=%d assigned=%d\n", opened_, welcomed_, joined_,
              assigned_visitors_);
  std::fflush(stdout);
  if (!o_.barrier) asio::post(io_, [this] { go(); });
}

void generator::go() {
  if (went_ || finished_) return;
  went_ = true;
  go_us_ = now_us();
  if (o_.join_at_go) {
    steps_.resize(1);
    steps_[0].start_us = go_us_;
    sample_start(steps_[0]);
    int sent = 0;
    for (auto& c : clients_) {
      if (c->role_ == client::role::visitor && c->is_open() && sent < o_.visitors) {
        c->send_join();
        ++sent;
      }
    }
  }
  if (!o_.steps.empty()) return start_step(0, o_.steps[0]);
  if (!o_.join_at_go) {
    steps_.resize(1);
    steps_[0].start_us = go_us_;
    sample_start(steps_[0]);
  }
  pace_.expires_after(std::chrono::milliseconds(static_cast<int>(o_.run_seconds * 1000)));
  pace_.async_wait([this](beast::error_code ec) {
    if (!ec) finish();
  });
}

std::vector<proc_sample> generator::sample_watched() const {
  std::vector<proc_sample> out;
  for (int pid : o_.watch_pids) out.push_back(sample_proc(pid));
  return out;
}

// The watched processes, this process and the box, sampled together at a step's boundaries.
void generator::sample_start(step_result& s) const {
  s.cpu_before = sample_watched();
  s.self_before = sample_proc(static_cast<int>(getpid()));
  s.box_before = sample_box();
}

void generator::sample_end(step_result& s) const {
  s.cpu_after = sample_watched();
  s.self_after = sample_proc(static_cast<int>(getpid()));
  s.box_after = sample_box();
}

void generator::arm_hard_stop(double seconds) {
  hard_stop_.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
  hard_stop_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    error("hard_stop");
    if (!finished_) finish();
  });
}

void generator::start_step(int i, double rate) {
  current_step_ = i;
  if (static_cast<int>(steps_.size()) <= i) steps_.resize(static_cast<std::size_t>(i) + 1);
  auto& s = steps_[i];
  s.offered = rate;
  s.start_us = now_us();
  s.end_us = s.start_us + static_cast<std::int64_t>(o_.step_seconds * 1e6);
  sample_start(s);
  // Under --step-control the run's length is the controller's: each step gets its own bound
  // (the step, its drain and two minutes for the next command), re-armed here.
  if (o_.step_control) arm_hard_stop(o_.step_seconds + o_.drain_seconds + 120);
  std::size_t active = 0;
  for (auto& snd : senders_) active += snd.active ? 1 : 0;
  if (active == 0 || s.offered <= 0) {
    error("setup:no_senders");
    period_us_ = 0;
  } else {
    period_us_ = static_cast<std::int64_t>(1e6 * static_cast<double>(active) / s.offered);
  }
  heap_ = {};
  if (period_us_ > 0) {
    std::uniform_int_distribution<std::int64_t> phase(0, period_us_ - 1);
    for (std::size_t k = 0; k < senders_.size(); ++k) {
      if (!senders_[k].active) continue;
      senders_[k].next_us = std::max(s.start_us + phase(rng_), senders_[k].start_after_us);
      heap_.push({senders_[k].next_us, k});
    }
  }
  sending_ = true;
  schedule_sends();
  pace_.expires_at(std::chrono::steady_clock::now() +
                   std::chrono::microseconds(s.end_us - s.start_us) +
                   std::chrono::milliseconds(static_cast<int>(o_.drain_seconds * 1000)));
  pace_.async_wait([this, i](beast::error_code ec) {
    if (!ec) end_step(i);
  });
}

bool generator::step_overloaded(const step_result& s) const {
  if (s.sent == 0) return false;
  double ratio = static_cast<double>(s.received) / static_cast<double>(s.sent);
  return ratio < 0.9 || s.latency.percentile(99) > 1000000;
}

void generator::end_step(int i) {
  sending_ = false;
  timer_.cancel();
  sample_end(steps_[i]);
  std::fprintf(stderr, "step %d offered %.0f sent %lu received %lu p50 %lu p99 %lu us\n", i,
               steps_[i].offered, static_cast<unsigned long>(steps_[i].sent),
               static_cast<unsigned long>(steps_[i].received),
               static_cast<unsigned long>(steps_[i].latency.percentile(50)),
               static_cast<unsigned long>(steps_[i].latency.percentile(99)));
  if (o_.step_control) {
    std::string line = "STEP " + step_json(steps_[i]) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    return read_command(i);
  }
  bool last = i + 1 >= static_cast<int>(o_.steps.size());
  if (last || (o_.stop_on_overload && step_overloaded(steps_[i]))) return finish();
  start_step(i + 1, o_.steps[i + 1]);
}

// "NEXT <rate>" starts step i + 1 at that rate (this process's share); "END", end of file or
// anything else ends the run.
void generator::read_command(int i) {
  asio::async_read_until(control_in_, control_buf_, '\n',
                         [this, i](beast::error_code ec, std::size_t n) {
                           if (finished_) return;
                           std::string line;
                           if (!ec) {
                             line.assign(asio::buffers_begin(control_buf_.data()),
                                         asio::buffers_begin(control_buf_.data()) + n);
                             control_buf_.consume(n);
                           }
                           double rate = 0;
                           if (line.rfind("NEXT ", 0) == 0) rate = std::atof(line.c_str() + 5);
                           if (rate > 0) return start_step(i + 1, rate);
                           finish();
                         });
}

void generator::schedule_sends() {
  if (!sending_ || heap_.empty()) return;
  auto when = std::chrono::system_clock::time_point(std::chrono::microseconds(heap_.top().first));
  timer_.expires_at(when);
  timer_.async_wait([this](beast::error_code ec) {
    if (!ec) fire_sends();
  });
}

void generator::fire_sends() {
  if (!sending_) return;
  auto& s = steps_[current_step_];
  auto now = now_us();
  // Bounded batch so reads interleave with writes when the schedule is behind.
  for (int n = 0; n < 2000 && !heap_.empty() && heap_.top().first <= now; ++n) {
    auto [sched, k] = heap_.top();
    heap_.pop();
    auto& snd = senders_[k];
    if (sched >= s.end_us) continue;
    auto c = snd.owner.lock();
    if (snd.active && c && c->is_open()) {
      ++s.sent;
      if (o_.peer) {
        c->send(peer_frame(snd.conv, sched, current_step_));
      } else {
        // Every field of the envelope is set on every send, so reusing it gives the bytes of a
        // fresh one without its allocations.
        auto* m = send_env_.mutable_send();
        m->set_conversation_id(snd.conv);
        // Idempotency keys are per conversation, not per sender: both sides need their own.
        char id[24];
        id[0] = c->role_ == client::role::agent ? 'a' : 'v';
        auto* end = std::to_chars(id + 1, id + sizeof id, c->next_msg_++).ptr;
        m->set_client_msg_id(id, static_cast<std::size_t>(end - id));
        m->mutable_text()->clear();
        append_text(*m->mutable_text(), sched, current_step_);
        std::uint64_t rid = 0;
        c->send_envelope(send_env_, &rid);
        c->pending_acks_.emplace_back(rid, sched);
      }
    } else if (snd.active) {
      error("send:closed_connection");
    }
    snd.next_us = sched + period_us_;
    if (snd.next_us < s.end_us) heap_.push({snd.next_us, k});
  }
  if (!heap_.empty() && heap_.top().first <= now_us()) {
    asio::post(io_, [this] { fire_sends(); });
  } else {
    schedule_sends();
  }
}

void generator::finish() {
  if (finished_) return;
  finished_ = true;
  sending_ = false;
  timer_.cancel();
  pace_.cancel();
  if (!steps_.empty() && o_.steps.empty()) {
    steps_[0].end_us = now_us();
    sample_end(steps_[0]);
  }
  if (o_.close_at_end) {
    for (auto& c : clients_) {
      if (c->role_ == client::role::visitor) c->send_close_and_rate();
    }
  }
  // Give the closes (and late deliveries) a moment, then report and stop everything.
  pace_.expires_after(std::chrono::milliseconds(o_.close_at_end ? 2000 : 200));
  pace_.async_wait([this](beast::error_code) {
    write_report();
    io_.stop();
  });
}

void generator::write_report() {
  std::string j =
      "{\"tag\":\"" + o_.tag + "\",\"clients\":" + std::to_string(clients_.size()) +
      ",\"opened\":" + std::to_string(opened_) + ",\"welcomed\":" + std::to_string(welcomed_) +
      ",\"joined\":" + std::to_string(joined_) +
      ",\"assigned_visitors\":" + std::to_string(assigned_visitors_) +
      ",\"agents_online\":" + std::to_string(agents_online_) +
      ",\"ready\":" + (ready_ ? "true" : "false") + ",\"go_us\":" + std::to_string(go_us_) +
      ",\"assign\":" + assign_latency_.json() +
      ",\"visitor_assign\":" + visitor_assign_latency_.json() +
      ",\"visitors_unnotified_at_ready\":" + std::to_string(unnotified_at_ready_) +
      ",\"agent_assignments\":" + std::to_string(agent_assignments_) + ",\"assign_times_us\":[";
  for (std::size_t i = 0; i < assign_times_.size(); ++i) {
    j += (i ? "," : "") + std::to_string(assign_times_[i]);
  }
  int missing_push = 0;
  for (auto& c : clients_) {
    if (c->role_ == client::role::visitor && c->assigned_ && !c->got_assigned_push_) {
      ++missing_push;
    }
  }
  j += "],\"visitors_without_assigned_push\":" + std::to_string(missing_push);
  j += ",\"frames\":{";
  for (auto it = frames_.begin(); it != frames_.end(); ++it) {
    j += (it == frames_.begin() ? "\"" : ",\"") + std::to_string(it->first) +
         "\":" + std::to_string(it->second);
  }
  j += "},\"errors\":{";
  bool first = true;
  for (auto& [k, v] : errors_) {
    std::string key = k;
    for (auto& ch : key) {
      if (ch == '"' || ch == '\\') ch = '\'';
    }
    j += (first ? "\"" : ",\"") + key + "\":" + std::to_string(v);
    first = false;
  }
  j += "},\"steps\":[";
  for (std::size_t i = 0; i < steps_.size(); ++i) j += (i ? "," : "") + step_json(steps_[i]);
  auto self = sample_proc(static_cast<int>(getpid()));
  j += "],\"self_cpu_seconds\":" + std::to_string(self.cpu_seconds) +
       ",\"self_rss_kib\":" + std::to_string(self.rss_kib) + "}\n";
  if (o_.out.empty()) {
    std::fwrite(j.data(), 1, j.size(), stdout);
  } else {
    std::ofstream(o_.out) << j;
  }
  std::printf("DONE\n");
  std::fflush(stdout);
}

int generator::run() {
  if (o_.targets.empty() || o_.sources.empty()) {
    std::fprintf(stderr, "need --targets and --sources\n");
    return 2;
  }
  if (o_.step_control && o_.steps.empty()) {
    std::fprintf(stderr, "--step-control needs --steps (the first step's rate)\n");
    return 2;
  }
  // Under --step-control steps are added as they start; the plan is only the first rate.
  steps_.resize(o_.step_control ? 0 : o_.steps.size());
  if (o_.step_control) control_in_.assign(::dup(STDIN_FILENO));
  // Agents first so the visitors' joins meet free capacity (except in the storm).
  int idx = 0;
  auto target = [&](int i) { return o_.targets[static_cast<std::size_t>(i) % o_.targets.size()]; };
  auto source = [&](int i) { return o_.sources[static_cast<std::size_t>(i) % o_.sources.size()]; };
  for (int a = 0; a < o_.agents; ++a, ++idx) {
    auto c = std::make_shared<client>(*this, client::role::agent, a, target(idx), source(idx));
    if (o_.peer) c->conv_ = o_.tag + "c" + std::to_string(a);
    clients_.push_back(c);
  }
  for (int v = 0; v < o_.visitors; ++v, ++idx) {
    auto c = std::make_shared<client>(*this, client::role::visitor, v, target(idx), source(idx));
    if (o_.peer) c->conv_ = o_.tag + "c" + std::to_string(v);
    clients_.push_back(c);
  }
  signals_.add(SIGUSR1);
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGUSR1) {
      go();
      signals_.async_wait(on_signal);
    } else {
      error("signal:terminated");
      finish();
    }
  };
  signals_.async_wait(on_signal);
  connect_started_us_ = now_us();
  pump_connects();
  // Setup deadline: report what was reached instead of waiting forever.
  asio::steady_timer setup_deadline(io_);
  setup_deadline.expires_after(
      std::chrono::milliseconds(static_cast<int>(o_.setup_timeout * 1000)));
  setup_deadline.async_wait([&](beast::error_code ec) {
    if (ec || ready_) return;
    error("setup:timeout");
    std::printf("READY timeout opened=%d welcomed=%d joined=%d assigned=%d online=%d\n", opened_,
                welcomed_, joined_, assigned_visitors_, agents_online_);
    std::fflush(stdout);
    ready_ = true;
    if (!o_.barrier) go();
  });
  // Hard stop: setup + every step + slack; nothing here may run unbounded.
  double total = o_.setup_timeout + o_.run_seconds + 30 +
                 static_cast<double>(o_.steps.size()) * (o_.step_seconds + o_.drain_seconds);
  if (o_.barrier) total += 600;
  arm_hard_stop(total);
  io_.run();
  return 0;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--peer")
      o.peer = true;
    else if (a == "--targets") {
      for (auto& t : split(val(), ',')) {
        auto colon = t.rfind(':');
        o.targets.emplace_back(asio::ip::make_address(t.substr(0, colon)),
                               static_cast<unsigned short>(std::stoi(t.substr(colon + 1))));
      }
    } else if (a == "--sources") {
      for (auto& s : split(val(), ',')) o.sources.push_back(asio::ip::make_address(s));
    } else if (a == "--peer-visitor-path")
      o.peer_visitor_path = val();
    else if (a == "--peer-agent-path")
      o.peer_agent_path = val();
    else if (a == "--tag")
      o.tag = val();
    else if (a == "--visitors")
      o.visitors = std::stoi(val());
    else if (a == "--agents")
      o.agents = std::stoi(val());
    else if (a == "--capacity")
      o.capacity = std::stoi(val());
    else if (a == "--departments")
      o.departments = std::max(1, std::stoi(val()));
    else if (a == "--no-join")
      o.join = false;
    else if (a == "--join-at-go")
      o.join_at_go = true;
    else if (a == "--expect-assigned")
      o.expect_assigned = std::stoi(val());
    else if (a == "--run-seconds")
      o.run_seconds = std::stod(val());
    else if (a == "--steps") {
      for (auto& s : split(val(), ',')) o.steps.push_back(std::stod(s));
    } else if (a == "--step-seconds")
      o.step_seconds = std::stod(val());
    else if (a == "--drain-seconds")
      o.drain_seconds = std::stod(val());
    else if (a == "--think-ms")
      o.think_ms = std::stod(val());
    else if (a == "--text-bytes")
      o.text_bytes = std::stoi(val());
    else if (a == "--receipts")
      o.receipts = true;
    else if (a == "--close-at-end")
      o.close_at_end = true;
    else if (a == "--barrier")
      o.barrier = true;
    else if (a == "--stop-on-overload")
      o.stop_on_overload = true;
    else if (a == "--step-control")
      o.step_control = true;
    else if (a == "--setup-timeout")
      o.setup_timeout = std::stod(val());
    else if (a == "--connect-rate")
      o.connect_rate = std::stod(val());
    else if (a == "--connect-window")
      o.connect_window = std::stoi(val());
    else if (a == "--secret")
      o.secret = val();
    else if (a == "--watch-pids") {
      for (auto& p : split(val(), ',')) o.watch_pids.push_back(std::stoi(p));
    } else if (a == "--out")
      o.out = val();
    else {
      std::fprintf(stderr, "unknown flag %s (see load-tests/bench.py)\n", a.c_str());
      std::exit(2);
    }
  }
  return o;
}

}  // namespace
}  // namespace lc::load

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  lc::load::generator g(lc::load::parse(argc, argv));
  return g.run();
}
