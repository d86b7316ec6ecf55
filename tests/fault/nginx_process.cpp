#include "tests/fault/nginx_process.hpp"

#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/http_client.hpp"

namespace lc::test {

using namespace std::chrono_literals;

nginx_process::nginx_process(const temp_dir& dir, const std::vector<std::uint16_t>& ports,
                             const tls_files* tls) {
  // nginx cannot report a port the system chose: pick one, and pick again if someone took it
  // before nginx bound it (nginx then exits at once).
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (try_start(dir, ports, tls)) return;
  }
  throw std::runtime_error("nginx did not come up");
}

nginx_process::~nginx_process() {
  child_.stop(3s);
}

bool nginx_process::try_start(const temp_dir& dir, const std::vector<std::uint16_t>& ports,
                              const tls_files* tls) {
  port_ = app::free_loopback_port();
  app::spawn_request render;
  render.executable = std::string(LIVECHAT_SOURCE_DIR) + "/deploy/nginx/render-test-conf.sh";
  render.args = {(dir.path() / "nginx").string(), "127.0.0.1:" + std::to_string(port_)};
  for (auto p : ports) render.args.push_back(std::to_string(p));
  render.env = {{"MAX_FAILS", "1"}, {"FAIL_TIMEOUT", "1s"}};
  if (tls != nullptr) {
    tls_port_ = app::free_loopback_port();
    render.env.emplace_back("TLS_LISTEN", "127.0.0.1:" + std::to_string(tls_port_));
    render.env.emplace_back("TLS_CERT", tls->certificate.string());
    render.env.emplace_back("TLS_KEY", tls->key.string());
  }
  auto r = app::child_process::spawn(render);
  if (!r.wait_for(10s) || r.exit_status().value_or(1) != 0) throw std::runtime_error("render");
  app::spawn_request run;
  run.executable = "nginx";
  auto d = (dir.path() / "nginx").string();
  run.args = {"-c", d + "/nginx.conf", "-p", d, "-e", d + "/error.log"};
  run.output_file = d + "/stdout.log";
  child_ = app::child_process::spawn(run);
  for (int i = 0; i < 100 && child_.running(); ++i) {
    try {
      if (http_get("127.0.0.1", port_, "/healthz", {}, 1s).status == 200) return true;
    } catch (...) {
    }
    std::this_thread::sleep_for(100ms);
  }
  child_.stop(3s);
  return false;
}

tls_files make_test_certificate(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  tls_files out{dir / "cert.pem", dir / "key.pem"};
  app::spawn_request req;
  req.executable = "openssl";
  req.args = {"req",
              "-x509",
              "-newkey",
              "rsa:2048",
              "-nodes",
              "-keyout",
              out.key.string(),
              "-out",
              out.certificate.string(),
              "-days",
              "1",
              "-subj",
              "/CN=localhost",
              "-addext",
              "subjectAltName=DNS:localhost"};
  req.output_file = dir / "openssl.log";
  auto p = app::child_process::spawn(req);
  if (!p.wait_for(30s) || p.exit_status().value_or(1) != 0) {
    throw std::runtime_error("openssl req failed; see " + req.output_file.string());
  }
  return out;
}

}  // namespace lc::test
