#include "tests/support/clamd_fixture.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace lc::test {

namespace {

// "zPING" answered with "PONG": clamd has loaded its signatures and takes scans.
bool pong(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char reply[16] = {};
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::send(fd, "zPING", 6, MSG_NOSIGNAL) == 6 && ::recv(fd, reply, 15, 0) > 0;
  ::close(fd);
  return ok && std::string(reply) == "PONG";
}

std::string hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4U]);
    out.push_back(digits[c & 0xFU]);
  }
  return out;
}

}  // namespace

clamd_fixture::clamd_fixture() {
  const auto& dir = dir_.path();
  std::filesystem::create_directories(dir / "db");
  std::ofstream(dir / "db" / "livechat.ndb")
      << "LivechatTestVirus:0:*:" << hex(virus_marker) << "\n";
  std::ofstream(dir / "clamd.conf") << "LocalSocket " << socket() << "\n"
                                    << "DatabaseDirectory " << (dir / "db").string() << "\n"
                                    << "Foreground yes\n"
                                    << "LogFile " << (dir / "clamd.log").string() << "\n"
                                    << "PidFile " << (dir / "clamd.pid").string() << "\n";
  app::spawn_request r;
  r.executable = "/usr/sbin/clamd";
  r.args = {"-c", (dir / "clamd.conf").string()};
  r.output_file = dir / "out";
  child_ = app::child_process::spawn(r);
  for (int i = 0; i < 300; ++i) {
    if (pong(socket())) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop();
  std::ifstream log(dir / "out");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  throw std::runtime_error("clamd did not start: " + text.substr(0, 2000));
}

clamd_fixture::~clamd_fixture() {
  stop();
}

void clamd_fixture::stop() {
  child_.stop(std::chrono::seconds(5));
}

}  // namespace lc::test
