#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "server/app/subprocess.hpp"
#include "tests/support/redis_fixture.hpp"

namespace lc::test {

// A certificate and key nginx terminates TLS with (see make_test_certificate).
struct tls_files {
  std::filesystem::path certificate, key;
};

// nginx in front of livechat nodes, from deploy/nginx/nginx-test.conf (rendered by
// render-test-conf.sh): plain HTTP on port(), and with `tls` also HTTPS/WSS on tls_port() with
// the TLS settings of deploy/nginx/livechat.conf. Stopped by the destructor.
class nginx_process {
 public:
  nginx_process(const temp_dir& dir, const std::vector<std::uint16_t>& ports,
                const tls_files* tls = nullptr);
  ~nginx_process();
  nginx_process(const nginx_process&) = delete;
  nginx_process& operator=(const nginx_process&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint16_t tls_port() const { return tls_port_; }

 private:
  bool try_start(const temp_dir& dir, const std::vector<std::uint16_t>& ports,
                 const tls_files* tls);

  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  app::child_process child_;
};

// A self-signed certificate for "localhost", valid for a day, made with the openssl command.
tls_files make_test_certificate(const std::filesystem::path& dir);

}  // namespace lc::test
