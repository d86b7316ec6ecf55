#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "server/net/server.hpp"
#include "tests/support/ws/ws_client.hpp"

// server/net on a real socket against a fake frontend that records what reaches it: the one
// place in the tests where a fake is right (the frontend is the service, tested on its own).
namespace lc::net_test {

using namespace std::chrono_literals;
using lc::service::client_link;
using lc::service::http_request;
using lc::service::http_response;
using lc::test::ws_client;

inline constexpr auto wait_limit = 5s;

// The net layer's only collaborator, faked: records what arrives and answers like a trivial
// service (every parsable ClientEnvelope gets an Ack carrying its request id).
class fake_frontend final : public lc::service::frontend {
 public:
  struct connection {
    std::shared_ptr<client_link> link;
    std::vector<std::string> frames;
    int closes = 0;
    int writables = 0;
  };

  std::shared_ptr<lc::service::connection_handler> open(
      std::shared_ptr<client_link> link) override {
    auto conn = std::make_shared<connection>();
    conn->link = std::move(link);
    {
      std::lock_guard lock(mu_);
      connections.push_back(conn);
    }
    cv_.notify_all();
    return std::make_shared<handler>(this, conn);
  }

  void handle_http(http_request request, std::function<void(http_response)> done) override {
    std::unique_lock lock(mu_);
    requests.push_back(request);
    if (defer_http) {
      pending.push_back(std::move(done));
      lock.unlock();
      cv_.notify_all();
      return;
    }
    lock.unlock();
    cv_.notify_all();
    if (request.target == "/download") {
      handle_download(done);
      return;
    }
    http_response res;
    res.content_type = "text/plain";
    res.body =
        request.method + " " + request.target + " " + request.authorization + " " + request.body;
    res.headers.emplace_back("X-Fake", "yes");
    done(std::move(res));
  }

  std::size_t max_frame_bytes() const override { return max_frame; }

  // POST /upload is streamed: the fake sink records each piece's size and the bytes, refuses a
  // piece holding "REFUSE", and answers with the byte count. GET /download streams
  // download_pieces pieces of download_piece bytes each.
  bool streams_body(std::string_view method, std::string_view path) const override {
    return method == "POST" && path == "/upload";
  }
  void open_upload(http_request head,
                   std::function<void(lc::service::upload_start)> ready) override {
    {
      std::lock_guard lock(mu_);
      requests.push_back(head);
    }
    lc::service::upload_start start;
    if (head.target.find("deny") != std::string::npos) {
      start.refusal.status = 403;
      start.refusal.body = R"({"error":{"code":"forbidden","message":"no"}})";
    } else {
      start.sink = std::make_shared<sink>(this);
      start.max_bytes = upload_limit;
    }
    ready(std::move(start));
  }

  void handle_download(std::function<void(http_response)>& done) {
    http_response res;
    res.content_type = "application/octet-stream";
    res.source = std::make_shared<source>(download_pieces, download_piece);
    res.source_length =
        static_cast<std::uint64_t>(download_pieces) * download_piece + (download_short ? 1 : 0);
    done(std::move(res));
  }

  // Waits (bounded) until pred() holds under the lock.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = wait_limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, pred);
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(mu_);
    return f();
  }

  // Guarded by mu_ (written on the server thread, read by the test).
  std::vector<http_request> requests;
  std::vector<std::function<void(http_response)>> pending;
  std::vector<std::shared_ptr<connection>> connections;
  // Set before the server starts.
  bool defer_http = false;
  std::size_t max_frame = 1024;
  std::uint64_t upload_limit = 1024 * 1024;
  int download_pieces = 4;
  std::size_t download_piece = 100 * 1024;
  bool download_short = false;  // the source ends one byte before the length it promised
  // What the upload sink saw.
  std::vector<std::size_t> upload_pieces;
  std::string uploaded;
  int upload_finishes = 0;
  bool upload_complete = false, upload_too_large = false;

 private:
  // Per-connection handler: records frames and closes, echoes an Ack for each envelope.
  class handler final : public lc::service::connection_handler {
   public:
    handler(fake_frontend* owner, std::shared_ptr<connection> conn)
        : owner_(owner), conn_(std::move(conn)) {}
    void on_frame(std::string_view bytes) override {
      {
        std::lock_guard lock(owner_->mu_);
        conn_->frames.emplace_back(bytes);
      }
      owner_->cv_.notify_all();
      livechat::v1::ClientEnvelope in;
      if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
          in.body_case() == livechat::v1::ClientEnvelope::BODY_NOT_SET) {
        return;
      }
      livechat::v1::ServerEnvelope out;
      out.set_request_id(in.request_id());
      out.mutable_ack()->set_client_msg_id(in.send().client_msg_id());
      conn_->link->send(std::make_shared<const std::string>(out.SerializeAsString()));
    }
    void on_close() override {
      {
        std::lock_guard lock(owner_->mu_);
        ++conn_->closes;
      }
      owner_->cv_.notify_all();
    }
    void on_writable() override {
      {
        std::lock_guard lock(owner_->mu_);
        ++conn_->writables;
      }
      owner_->cv_.notify_all();
    }

   private:
    fake_frontend* owner_;
    std::shared_ptr<connection> conn_;
  };

  class sink final : public lc::service::body_sink {
   public:
    explicit sink(fake_frontend* owner) : owner_(owner) {}
    void write(std::string piece, std::function<void(bool)> done) override {
      {
        std::lock_guard lock(owner_->mu_);
        owner_->upload_pieces.push_back(piece.size());
        owner_->uploaded += piece;
      }
      done(piece.find("REFUSE") == std::string::npos);
    }
    void finish(bool complete, bool too_large, std::function<void(http_response)> done) override {
      http_response res;
      {
        std::lock_guard lock(owner_->mu_);
        ++owner_->upload_finishes;
        owner_->upload_complete = complete;
        owner_->upload_too_large = too_large;
        res.status = complete ? 201 : too_large ? 413 : 415;
        res.body = std::to_string(owner_->uploaded.size());
      }
      owner_->cv_.notify_all();
      done(std::move(res));
    }

   private:
    fake_frontend* owner_;
  };

  class source final : public lc::service::body_source {
   public:
    source(int pieces, std::size_t piece) : left_(pieces), piece_(piece) {}
    void next(std::function<void(std::string, bool)> done) override {
      if (left_ == 0) {
        done({}, true);
        return;
      }
      const char c = static_cast<char>('a' + left_);
      --left_;
      done(std::string(piece_, c), true);
    }

   private:
    int left_;
    std::size_t piece_;
  };

  std::mutex mu_;
  std::condition_variable cv_;
};

inline std::shared_ptr<const std::string> push_frame(std::uint64_t marker) {
  livechat::v1::ServerEnvelope env;
  env.mutable_queue_status()->set_position(static_cast<std::uint32_t>(marker));
  return std::make_shared<const std::string>(env.SerializeAsString());
}

inline livechat::v1::ClientEnvelope ping() {
  livechat::v1::ClientEnvelope env;
  env.mutable_ping();
  return env;
}

// A raw WebSocket upgrade request to /ws with one extra header line ("Name: value").
inline std::string upgrade_request(const std::string& header) {
  return "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         header + "\r\n\r\n";
}

// Runs a real server on its own thread, as the app does, against the fake frontend.
class NetTest : public ::testing::Test {
 protected:
  void start(lc::net::server_options options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<lc::net::server>(ioc_, fe_, options);
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      on_server([this] {
        server_.reset();
        // Pending `done` callbacks own HTTP sessions, whose sockets must go before ioc_ does.
        fe_.locked([&] {
          fe_.pending.clear();
          return 0;
        });
      });
      work_.reset();
      ioc_.stop();
      thread_.join();
    }
  }

  // Runs f on the server's thread, where everything in server/net must be called.
  template <class F>
  auto on_server(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(ioc_, [&task] { task(); });
    if (result.wait_for(wait_limit) != std::future_status::ready) {
      ADD_FAILURE() << "server thread did not run the task";
      std::abort();  // the task refers to this frame; nothing safe is left to do
    }
    return result.get();
  }

  // Polls a server-side condition until it holds (bounded).
  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds timeout = wait_limit) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (on_server(pred)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return on_server(pred);
  }

  std::shared_ptr<fake_frontend::connection> wait_connection(std::size_t index = 0) {
    EXPECT_TRUE(fe_.wait([&] { return fe_.connections.size() > index; }));
    return fe_.locked(
        [&] { return fe_.connections.size() > index ? fe_.connections[index] : nullptr; });
  }

  int closes(const std::shared_ptr<fake_frontend::connection>& c) {
    return fe_.locked([&] { return c->closes; });
  }

  fake_frontend fe_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::unique_ptr<lc::net::server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace lc::net_test
