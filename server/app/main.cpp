// livechat: the live-chat server. With no flags it starts a private redis-server and a private
// PostgreSQL (the system of record) in ./data and serves WebSocket (/ws), REST (/api), /metrics and
// health checks on 127.0.0.1:8080.
#include <netdb.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/app/admin_command.hpp"
#include "server/app/config.hpp"
#include "server/app/healthcheck.hpp"
#include "server/app/postgres_launcher.hpp"
#include "server/app/redis_launcher.hpp"
#include "server/app/token_command.hpp"
#include "server/net/server.hpp"
#include "server/record/record_pool.hpp"
#include "server/service/chat_service.hpp"
#include "server/store/functions.hpp"
#include "server/store/redis_connection.hpp"

namespace {

namespace asio = boost::asio;

int run_token(const std::vector<std::string>& args) {
  auto parsed = lc::app::parse_token_args(args, lc::app::process_env());
  if (parsed.show_help) {
    std::cout << lc::app::token_help();
    return 0;
  }
  if (!parsed.args) {
    std::cerr << "livechat token: " << parsed.error << "\n" << lc::app::token_help();
    return 2;
  }
  auto secret = lc::app::resolve_token_secret(*parsed.args);
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::cout << lc::app::issue_agent_token(*parsed.args, secret, now_ms) << "\n";
  return 0;
}

// Exit 0 when the configured node answers 200: a container HEALTHCHECK needs no shell or curl.
int run_admin(const std::vector<std::string>& args) {
  auto parsed = lc::app::parse_admin_args(args, lc::app::process_env());
  if (parsed.show_help) {
    std::cout << lc::app::admin_help();
    return 0;
  }
  if (!parsed.args) {
    std::cerr << "livechat admin: " << parsed.error << "\n" << lc::app::admin_help();
    return 2;
  }
  return lc::app::run_admin_create(*parsed.args, std::cin, std::cout, std::cerr);
}

int run_healthcheck(const std::vector<std::string>& args) {
  auto parsed = lc::app::parse_healthcheck_args(args, lc::app::process_env());
  if (parsed.show_help) {
    std::cout << lc::app::healthcheck_help();
    return 0;
  }
  if (!parsed.request) {
    // 1, not 2: Docker reserves exit 2 of a HEALTHCHECK command.
    std::cerr << "livechat healthcheck: " << parsed.error << "\n";
    return 1;
  }
  const auto& req = *parsed.request;
  std::string error;
  int status = lc::app::probe_http(req, error);
  const std::string what =
      "GET http://" + (req.host.find(':') != std::string::npos ? "[" + req.host + "]" : req.host) +
      ":" + std::to_string(req.port) + req.target;
  if (status == 200) {
    std::cout << what << ": 200\n";
    return 0;
  }
  std::cerr << "livechat healthcheck: " << what << ": "
            << (status == 0 ? error : std::to_string(status)) << "\n";
  return 1;
}

// hiredis 0.14 resolves names with a blocking getaddrinfo inside its event loop; resolve once,
// here, before the loop starts.
std::string resolve_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
    throw std::runtime_error("cannot resolve redis host " + host);
  }
  char buf[64];
  getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(res);
  return buf;
}

// protobuf logs to stderr when a client sends a string that is not UTF-8: client bytes must not
// be able to write to our error log, so its messages go to debug.
void protobuf_log(google::protobuf::LogLevel level, const char* file, int line,
                  const std::string& message) {
  spdlog::debug("protobuf: {}", message);
}

// Writes the bound port where a supervisor (or a test that started us on port 0) looks for it:
// a temporary file renamed into place, so a reader never sees half a number.
void write_port_file(const std::string& path, std::uint16_t port) {
  const auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) throw std::runtime_error("cannot write port file " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

int run_server(lc::app::config cfg) {
  lc::app::complete_config(cfg);
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  google::protobuf::SetLogHandler(&protobuf_log);

  std::unique_ptr<lc::app::redis_process> embedded;
  lc::store::endpoint ep;
  if (cfg.redis_url.empty()) {
    lc::app::redis_launch_options ro;
    ro.data_dir = std::filesystem::path(cfg.data_dir) / "redis";
    ro.use_unix_socket = true;
    ro.appendfsync = cfg.appendfsync;
    ro.maxmemory = cfg.redis_maxmemory;
    embedded = lc::app::redis_process::start(ro);
    ep.unix_socket = embedded->unix_socket();
    spdlog::info("embedded redis-server pid {} on {} (AOF on, appendfsync {})", embedded->pid(),
                 embedded->url(), cfg.appendfsync);
  } else {
    auto parsed = lc::app::parse_redis_url(cfg.redis_url);
    if (!parsed) {
      std::cerr << "livechat: --redis: cannot parse '" << cfg.redis_url << "'\n";
      return 2;
    }
    ep.unix_socket = parsed->unix_socket;
    ep.port = parsed->port;
    ep.master_name = parsed->master_name;
    for (const auto& [host, port] : parsed->sentinels)
      ep.sentinels.emplace_back(resolve_host(host), port);
    if (ep.unix_socket.empty() && ep.sentinels.empty()) ep.host = resolve_host(parsed->host);
  }

  std::unique_ptr<lc::app::postgres_process> embedded_pg;
  std::string postgres = cfg.postgres_url;
  if (postgres.empty()) {
    lc::app::postgres_launch_options po;
    po.data_dir = std::filesystem::path(cfg.data_dir) / "postgres";
    embedded_pg = lc::app::postgres_process::start(po);
    postgres = embedded_pg->conninfo();
    spdlog::info("embedded postgres pid {} on {} (no TCP port)", embedded_pg->pid(),
                 embedded_pg->socket_dir());
    if (embedded_pg->relocated()) {
      spdlog::warn("embedded postgres: the cluster is in {} because {}",
                   embedded_pg->data_dir().string(), embedded_pg->relocation_reason());
    }
  }
  // Reached only from its own threads; a first job connects and migrates the schema without
  // holding up the start (chat does not need it).
  lc::record::record_pool record({postgres, std::chrono::milliseconds(5000), 2, 10000});
  record.start();
  record.submit([](lc::record::pg_connection&) {}, [](const std::exception_ptr&) {});

  asio::io_context io(1);
  lc::store::redis_connection redis(io, ep, cfg.redis_timeout, lc::store::functions_source);

  lc::service::service_options so;
  so.node_id = cfg.node_id;
  so.secret = cfg.secret;
  so.limits.max_frame_bytes = cfg.max_frame_bytes;
  so.limits.max_text_bytes = cfg.max_text_bytes;
  so.agent_grace = cfg.agent_grace;
  so.visitor_grace = cfg.visitor_grace;
  so.tick = cfg.match_tick;
  so.lease_ttl = cfg.node_lease;
  so.redis_timeout = cfg.redis_timeout;
  so.visitor_token_ttl = cfg.visitor_token_ttl;
  so.departments = cfg.departments;
  so.max_messages_before_answer = cfg.max_messages_before_answer;
  so.max_queued_per_address = cfg.max_queued_per_address;
  so.joins_per_minute = cfg.joins_per_minute;
  so.offline_messages_per_hour = cfg.offline_messages_per_hour;
  so.messages_per_second = cfg.messages_per_second;
  so.message_burst = 2.0 * cfg.messages_per_second;
  so.keep_closed = cfg.keep_closed;
  so.reassign_after = cfg.reassign_after;
  so.reassign_sets_away = cfg.reassign_sets_away;
  so.sneak_peek = cfg.sneak_peek;
  so.max_file_bytes = cfg.max_file_mb * 1024 * 1024;
  so.file_types = cfg.file_types;
  so.uploads_per_hour = cfg.uploads_per_hour;
  so.clamd_socket = cfg.clamd_socket;
  so.webhook_give_up = cfg.webhook_give_up;
  so.smtp.url = cfg.smtp_url;
  so.smtp.from = cfg.smtp_from;
  so.smtp.from_name = cfg.smtp_from_name;
  so.smtp.user = cfg.smtp_user;
  so.smtp.password = cfg.smtp_password;
  so.smtp.tls = cfg.smtp_tls;
  so.mail_give_up = cfg.mail_give_up;
  so.retention = cfg.retention;
  so.retention_anonymise = cfg.retention_anonymise;
  lc::service::chat_service service(io, redis, ep, so, &record);

  lc::net::server_options no;
  no.address = cfg.listen_address;
  no.port = cfg.port;
  no.static_dir = cfg.static_dir;
  no.send_queue_limit = cfg.send_queue_limit;
  no.write_timeout = cfg.write_timeout;
  no.allowed_origins = cfg.allowed_origins;
  no.trusted_proxies = cfg.trusted_proxies;
  no.max_connections_per_address = cfg.max_connections_per_address;
  no.max_connections = cfg.max_connections;
  no.hello_timeout = cfg.hello_timeout;
  lc::net::server server(io, service, no);
  server.start();
  if (!cfg.port_file.empty()) write_port_file(cfg.port_file, server.port());
  redis.start();
  service.start();
  spdlog::info("node {} listening on http://{}:{} (WebSocket /ws)", cfg.node_id, cfg.listen_address,
               server.port());

  // SIGTERM/SIGINT: stop accepting, tell clients to reconnect, let queued frames and in-flight
  // Redis writes finish, then stop (bounded).
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(io);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining", sig);
    server.stop_accepting();
    service.drain();
    server.close_all(1012, "server restarting: reconnect");
    // In-flight requests finish (their writes land in Redis), then the lease is released so
    // other nodes treat anyone still bound here as disconnected at once.
    service.finish_drain(std::chrono::seconds(3), [&] {
      drain_timer.expires_after(std::chrono::milliseconds(200));  // let close frames go out
      drain_timer.async_wait([&](boost::system::error_code) {
        server.abort_all();
        redis.stop();
        io.stop();
      });
    });
  });
  io.run();
  record.stop();  // before the loop its results would be posted to goes away
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args.front() == "token") {
      return run_token(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    if (!args.empty() && args.front() == "admin") {
      return run_admin(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    if (!args.empty() && args.front() == "healthcheck") {
      return run_healthcheck(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    auto parsed = lc::app::parse_config(args, lc::app::process_env());
    if (parsed.show_help) {
      std::cout << lc::app::config_help();
      return 0;
    }
    if (!parsed.cfg) {
      std::cerr << "livechat: " << parsed.error << "\n(see livechat --help)\n";
      return 2;
    }
    return run_server(*parsed.cfg);
  } catch (const std::exception& e) {
    std::cerr << "livechat: " << e.what() << "\n";
    return 1;
  }
}
