#include "tests/support/webhook_receiver.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "server/core/json_value.hpp"

namespace lc::test {

webhook_receiver::webhook_receiver(int fail_first) {
  const auto port_file = dir_.path() / "port";
  app::spawn_request r;
  r.executable = "python3";
  r.args = {WEBHOOK_RECEIVER_SCRIPT,        "--port-file",  port_file.string(),        "--log",
            (dir_.path() / "log").string(), "--fail-first", std::to_string(fail_first)};
  r.output_file = dir_.path() / "out";
  child_ = app::child_process::spawn(r);
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::ifstream in(port_file);
    int p = 0;
    if (in >> p && p > 0) {
      port_ = static_cast<std::uint16_t>(p);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (port_ == 0) throw std::runtime_error("the webhook receiver did not start");
}

webhook_receiver::~webhook_receiver() {
  stop();
}

void webhook_receiver::stop() {
  child_.stop(std::chrono::seconds(2));
}

std::string webhook_receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<webhook_receiver::request> webhook_receiver::requests() const {
  std::vector<request> out;
  std::ifstream in(dir_.path() / "log");
  std::string line;
  while (std::getline(in, line)) {
    auto v = core::parse_json(line);
    if (!v || !v->is_object()) continue;  // a line being written
    request r;
    if (const auto* p = v->find("path")) r.path = p->as_string();
    if (const auto* b = v->find("body")) r.body = b->as_string();
    if (const auto* s = v->find("status")) r.status = static_cast<int>(s->as_int64().value_or(0));
    if (const auto* h = v->find("headers"); h != nullptr && h->is_object()) {
      for (const auto& [name, value] : h->members()) {
        if (value.is_string()) r.headers[name] = value.as_string();
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<webhook_receiver::request> webhook_receiver::wait_for(
    std::size_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto got = requests();
  while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    got = requests();
  }
  return got;
}

}  // namespace lc::test
