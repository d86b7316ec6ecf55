#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace lc::load {

// CPU seconds and resident memory of one process, read from /proc like `ps` does.
struct proc_sample {
  double cpu_seconds = 0;  // utime + stime
  std::int64_t rss_kib = 0;
  bool ok = false;
};

inline proc_sample sample_proc(int pid) {
  proc_sample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stoll(line.substr(6));
  }
  s.ok = true;
  return s;
}

// Jiffies of the whole machine from the first line of /proc/stat: non-idle (everything but idle
// and iowait) and the total, so a step's window can be compared with what the watched processes
// and the generators used in it. guest and guest_nice are left out: they are already counted in
// user and nice.
struct box_sample {
  std::uint64_t busy = 0, total = 0;
};

inline box_sample sample_box() {
  box_sample b;
  std::ifstream stat("/proc/stat");
  std::string cpu;
  std::uint64_t v[8] = {};  // user nice system idle iowait irq softirq steal
  if (!(stat >> cpu) || cpu != "cpu") return b;
  for (auto& x : v) stat >> x;
  for (auto x : v) b.total += x;
  b.busy = b.total - v[3] - v[4];
  return b;
}

}  // namespace lc::load
