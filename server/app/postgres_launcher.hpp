#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "server/app/subprocess.hpp"

namespace lc::app {

struct postgres_launch_options {
  // The cluster: initdb on first start (or a copy of template_dir), mode 0700. When we are root
  // it belongs to the run-as user, and every directory above it must let that user through; when
  // one does not (a checkout under /root, 0700), the cluster is relocated: see relocation_root.
  std::filesystem::path data_dir{};
  // Root only, when the run-as user cannot reach data_dir's parent: the cluster goes to
  // <relocation_root>/<16 hex digits: FNV-1a 64 of data_dir, absolute and lexically normal>
  // instead (0700, the run-as user's). Missing directories of relocation_root are made 0755; it
  // must end up root's, not writable by group or others, and reachable by the run-as user.
  // data_dir itself becomes a 0700 directory of root's holding only a text file RELOCATED: its
  // first line is the cluster's path, the rest says why. Every later start with that data_dir
  // uses that cluster (a RELOCATED naming another path is an error, not a fresh cluster), even
  // once data_dir has become reachable. No relocation when data_dir already holds a cluster
  // (PG_VERSION) or any other file: that stays an error, as does a relocation_root unfit for
  // it. Empty: never relocate. Not root: never relocate either (the path is the user's own).
  std::filesystem::path relocation_root = "/var/lib/livechat/postgres";
  // PostgreSQL's programs (initdb, postgres). Empty: `pg_config --bindir` when a postgres binary
  // is there, else the highest /usr/lib/postgresql/<n>/bin.
  std::string bin_dir{};
  std::string database = "livechat";  // created on every start if missing; [a-z0-9_]{1,63}
  std::string user = "livechat";      // the superuser initdb creates (-U); [a-z0-9_]{1,63}
  // The OS user PostgreSQL runs as when we are root (it refuses to run as root). Empty:
  // "postgres" if that user exists, else "nobody". Ignored when we are not root: then it runs
  // as us, since an unprivileged process cannot switch users.
  std::string run_as{};
  // false for tests only: initdb -N, and fsync, synchronous_commit and full_page_writes off (a
  // machine crash may then corrupt the cluster; a killed postgres still recovers).
  bool fsync = true;
  // Tests: when data_dir holds no cluster yet (no PG_VERSION), copy this cleanly shut down
  // cluster instead of running initdb (~0.1 s instead of ~1 s). It must have been made with the
  // same `user`; as root the copy is chowned to the run-as user.
  std::filesystem::path template_dir{};
  // For the whole of start(): initdb, the startup (crash recovery included), CREATE DATABASE.
  std::chrono::milliseconds start_timeout{30000};
  // initdb's and postgres's output, appended, 0600. Empty: beside the data dir, named after it
  // (<data_dir>.log: /var/lib/livechat/postgres -> /var/lib/livechat/postgres.log), because
  // initdb refuses a data dir that already holds a file. Also when the cluster is relocated: it
  // is opened by us (root), the programs only inherit the descriptor, so it need not be
  // reachable by the run-as user. A relocation adds a line to it saying so.
  std::filesystem::path log_file{};
};

// A postgres postmaster child process owned by this object, on a unix socket only (no TCP port):
// started (initdb first when needed) by start(), stopped by the destructor. The child gets
// PR_SET_PDEATHSIG(SIGINT), which Linux ties to the *thread* that forked it, so start it from a
// thread that outlives it (the main thread, or a gtest test body).
class postgres_process {
 public:
  // Returns once the server accepts connections and the database exists. Throws
  // std::runtime_error with the reason (and the tail of the log) on failure or timeout.
  static std::unique_ptr<postgres_process> start(const postgres_launch_options& options);

  postgres_process(const postgres_process&) = delete;
  postgres_process& operator=(const postgres_process&) = delete;
  ~postgres_process();

  // SIGINT (fast shutdown: sessions are ended, a checkpoint written), wait up to 10 s, then
  // SIGKILL. Idempotent.
  void stop();
  // Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, ...) to the postmaster. After SIGKILL it is
  // reaped, and its orphaned backends have let go of the cluster's shared memory, before this
  // returns, so start() on the same data dir works right away (after crash recovery).
  void kill(int signal);
  // False once the postmaster has exited (checked without blocking).
  bool running();

  pid_t pid() const { return child_.pid(); }
  // Where the socket (.s.PGSQL.5432) is: the data dir, or a 0700 directory under /tmp when the
  // data dir's path is too long for a socket address (removed by stop()).
  const std::string& socket_dir() const { return socket_dir_; }
  // libpq keyword form: "host=<socket dir> port=5432 user=livechat dbname=livechat". The port
  // is explicit so a PGPORT in the environment cannot point libpq at another socket name.
  std::string conninfo() const { return conninfo(database_); }
  std::string conninfo(const std::string& database) const;
  // libpq URI: "postgresql://livechat@/livechat?host=<percent-encoded socket dir>&port=5432".
  std::string url() const { return url(database_); }
  std::string url(const std::string& database) const;
  const std::string& database() const { return database_; }
  const std::string& user() const { return user_; }
  // Where the cluster is: the options' data_dir (absolute), or the directory under
  // relocation_root when relocated().
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The options' data_dir, absolute and lexically normal (holding RELOCATED when relocated()).
  const std::filesystem::path& requested_data_dir() const { return requested_data_dir_; }
  // Whether the cluster is not in the requested data dir but under relocation_root, and why
  // (for the server's log; empty when not relocated).
  bool relocated() const { return !relocation_reason_.empty(); }
  const std::string& relocation_reason() const { return relocation_reason_; }
  const std::filesystem::path& log_file() const { return log_file_; }
  // The last `max_bytes` of the log, for error messages.
  std::string log_tail(std::size_t max_bytes = 4096) const;

 private:
  postgres_process() = default;
  void wait_for_shared_memory_release() const;

  child_process child_;
  std::string socket_dir_;
  std::filesystem::path socket_temp_dir_;  // set when the socket could not live in data_dir
  std::filesystem::path data_dir_;
  std::filesystem::path requested_data_dir_;
  std::string relocation_reason_;
  std::filesystem::path log_file_;
  std::string database_;
  std::string user_;
  // The postmaster's SysV segment (postmaster.pid): its backends hold it until they exit.
  key_t shm_key_ = 0;
  int shm_id_ = -1;
};

// The directory holding initdb and postgres, resolved as postgres_launch_options::bin_dir says
// (`configured` itself when not empty). Throws std::runtime_error when there is none.
std::string postgres_bin_dir(const std::string& configured = {});

// "15.18": the version `<bin_dir>/postgres --version` reports.
std::string postgres_version(const std::string& bin_dir);

// Percent-encodes everything but RFC 3986's unreserved characters (for libpq URIs).
std::string percent_encode(const std::string& text);

}  // namespace lc::app
