#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace lc::outbound {

// What clamd said about a stream.
struct scan_result {
  enum class verdict { clean, infected, error };
  verdict what = verdict::error;
  std::string detail;  // the signature found, or what went wrong
};

// One file streamed to clamd (Debian's clamav-daemon) over its unix socket with INSTREAM, piece
// by piece as it is uploaded. Blocking, each call bounded by `timeout`: for the record pool's
// threads, never the event loop. A failure is kept and reported by finish(), so a scanner
// that is down fails the upload closed (the file is not released) instead of waving it through.
class clamd_scan {
 public:
  clamd_scan(std::string socket_path, std::chrono::milliseconds timeout);
  clamd_scan(const clamd_scan&) = delete;
  clamd_scan& operator=(const clamd_scan&) = delete;
  ~clamd_scan();

  // The next bytes of the file (connects on the first call).
  void send(std::string_view bytes);
  // The end of the file: clamd's verdict. Once.
  scan_result finish();

 private:
  bool connect_once();
  bool write_all(std::string_view bytes);
  void fail(std::string why);

  std::string path_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  bool started_ = false;
  std::string error_;  // the first failure
};

// clamd answers "PONG" on the socket: it is up and has loaded its signatures.
bool clamd_ping(const std::string& socket_path, std::chrono::milliseconds timeout);

}  // namespace lc::outbound
