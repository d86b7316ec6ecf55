#include "tests/support/script_server.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>

namespace lc::test {

script_server::script_server(const std::string& interpreter, const std::string& script,
                             std::vector<std::string> extra_args) {
  const auto port_file = dir_.path() / "port";
  app::spawn_request r;
  r.executable = interpreter;
  r.args = {script, "--port-file", port_file.string(), "--log", (dir_.path() / "log").string()};
  r.args.insert(r.args.end(), extra_args.begin(), extra_args.end());
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
  if (port_ == 0) throw std::runtime_error(script + " did not start (see its output)");
}

script_server::~script_server() {
  stop();
}

void script_server::stop() {
  child_.stop(std::chrono::seconds(2));
}

std::vector<core::json_value> script_server::entries() const {
  std::vector<core::json_value> out;
  std::ifstream in(dir_.path() / "log");
  std::string line;
  while (std::getline(in, line)) {
    auto v = core::parse_json(line);
    if (!v || !v->is_object()) continue;  // a line being written
    out.push_back(std::move(*v));
  }
  return out;
}

std::vector<core::json_value> script_server::wait_for(std::size_t count,
                                                      std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto got = entries();
  while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    got = entries();
  }
  return got;
}

}  // namespace lc::test
