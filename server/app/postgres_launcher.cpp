#include "server/app/postgres_launcher.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "server/app/postgres_cluster_dir.hpp"
#include "server/app/redis_launcher.hpp"

namespace lc::app {
namespace {

namespace fs = std::filesystem;
using postgres_paths::describe_user;
using postgres_paths::directory_empty;
using postgres_paths::marker_name;
using postgres_paths::plan_relocation;
using postgres_paths::relocation;
using postgres_paths::resolve_run_as;
using postgres_paths::run_as_user;
using postgres_paths::traversal_blocker;
using std::chrono::steady_clock;

// No TCP port is opened, but the socket's name (.s.PGSQL.<port>) and libpq's default still use
// it; both sides name it explicitly so PGPORT cannot change either.
constexpr int pg_port = 5432;
// PostgreSQL refuses socket paths of 108 bytes or more (sun_path); it appends this to the dir.
constexpr std::size_t max_socket_path = 107;
constexpr std::string_view socket_name = "/.s.PGSQL.5432";
constexpr auto stop_grace = std::chrono::seconds(10);
constexpr auto poll_interval = std::chrono::milliseconds(5);

std::string errno_text(int err) {
  return std::strerror(err);
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("postgres launcher: " + what);
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A value in libpq's keyword=value form: bare when that is unambiguous, else single-quoted.
std::string conninfo_value(const std::string& value) {
  const bool bare = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '.' || c == '_' ||
           c == '-' || c == ':';
  });
  if (bare) return value;
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

bool executable_file(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Runs a short-lived program and returns what it printed ("" when it failed or timed out).
std::string capture_output(spawn_request request) {
  char path[] = "/tmp/lc-capture-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) fail(std::string("mkstemp: ") + errno_text(errno));
  ::close(fd);
  request.output_file = path;
  request.drop_env_prefixes = {"PG"};
  std::string out;
  try {
    auto child = child_process::spawn(request);
    if (child.wait_for(std::chrono::seconds(10)) && child.exit_status() &&
        WIFEXITED(*child.exit_status()) && WEXITSTATUS(*child.exit_status()) == 0) {
      out = file_tail(path, 1 << 16);
    }
  } catch (const std::exception&) {
    out.clear();
  }
  ::unlink(path);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

// Creates the data dir (0700) for the user PostgreSQL runs as, and checks that user can reach it.
void prepare_data_dir(const fs::path& dir, const run_as_user& user) {
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (ec) fail("cannot create " + dir.parent_path().string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    fail("cannot create data dir " + dir.string() + ": " + errno_text(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    fail("data dir " + dir.string() + " is not a directory");
  }
  if (user.switch_ids && st.st_uid != user.uid) {
    // Only an empty directory is taken over: a populated one may be somebody else's data, and a
    // recursive chown of the wrong path would be hard to undo.
    if (!directory_empty(dir)) {
      fail("data dir " + dir.string() + " belongs to uid " + std::to_string(st.st_uid) +
           " but PostgreSQL runs as " + describe_user(user) + ": chown -R " + user.name + " " +
           dir.string() + ", or choose another data dir");
    }
    if (::chown(dir.c_str(), user.uid, user.gid) != 0) {
      fail("cannot chown data dir " + dir.string() + ": " + errno_text(errno));
    }
  }
  // PostgreSQL insists on 0700 (or 0750): conversations live here.
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    fail("cannot chmod 0700 data dir " + dir.string() + ": " + errno_text(errno));
  }
  if (!user.switch_ids) return;
  if (auto blocker = traversal_blocker(dir, user)) {
    fail("PostgreSQL refuses to run as root, so it runs as " + describe_user(user) +
         ", and that user cannot reach the data dir " + dir.string() + ": " + *blocker +
         " denies it search (x) permission. Choose a data dir that user can reach (e.g. under "
         "/var/lib), or grant it passage (chmod o+x on that directory)");
  }
}

// A cleanly shut down cluster copied file by file into an empty data dir, owned by `user`.
void copy_template(const fs::path& from, const fs::path& to, const run_as_user& user) {
  if (!fs::exists(from / "PG_VERSION")) {
    fail("template " + from.string() + " holds no cluster (no PG_VERSION)");
  }
  if (!directory_empty(to)) {
    fail("data dir " + to.string() + " is not empty and holds no cluster (no PG_VERSION)");
  }
  const auto own = [&](const fs::path& p) {
    if (user.switch_ids && ::lchown(p.c_str(), user.uid, user.gid) != 0) {
      fail("cannot chown " + p.string() + ": " + errno_text(errno));
    }
  };
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path relative = it->path().lexically_relative(from);
    const fs::path target = to / relative;
    const auto status = it->symlink_status();
    // A lock file would make the copy look like a running server; PG_VERSION comes last.
    if (relative == "postmaster.pid" || relative == "PG_VERSION") continue;
    if (fs::is_directory(status)) {
      fs::create_directory(target);
      fs::permissions(target, status.permissions());
    } else if (fs::is_regular_file(status)) {
      fs::copy_file(it->path(), target);  // with the source's mode
    } else if (fs::is_symlink(status)) {
      fs::copy_symlink(it->path(), target);
    } else {
      continue;  // sockets and the like belong to the server that made the template
    }
    own(target);
  }
  // Last: its presence is what says "a cluster is here", so an interrupted copy is not one.
  fs::copy_file(from / "PG_VERSION", to / "PG_VERSION");
  own(to / "PG_VERSION");
}

// What postmaster.pid says about the server that wrote it.
struct lock_file {
  pid_t pid = 0;
  key_t shm_key = 0;
  int shm_id = -1;
  std::string status;  // "starting", "ready", "stopping", "standby"
};

std::optional<lock_file> read_lock_file(const fs::path& data_dir) {
  std::ifstream in(data_dir / "postmaster.pid");
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) return std::nullopt;
  lock_file lock;
  lock.pid = static_cast<pid_t>(std::strtol(lines[0].c_str(), nullptr, 10));
  if (lines.size() >= 7) {
    std::istringstream shm(lines[6]);
    unsigned long key = 0;
    long id = -1;
    if (shm >> key >> id) {
      lock.shm_key = static_cast<key_t>(key);
      lock.shm_id = static_cast<int>(id);
    }
  }
  if (lines.size() >= 8) {
    lock.status = lines[7];
    lock.status.erase(lock.status.find_last_not_of(' ') + 1);
  }
  return lock;
}

// Whether a postmaster's SysV segment still has processes attached: its backends outlive a
// SIGKILLed postmaster for a moment, and a new postmaster refuses to start until they are gone.
bool shared_memory_in_use(key_t key, int id) {
  if (id < 0) return false;
  shmid_ds ds{};
  if (::shmctl(id, IPC_STAT, &ds) != 0) return false;  // removed
  if (ds.shm_perm.__key != key) return false;          // the id was reused
  return ds.shm_nattch > 0;
}

bool wait_until(steady_clock::time_point deadline, const auto& done) {
  while (!done()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll_interval);
  }
  return true;
}

bool is_postgres_process(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) return false;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name == "postgres";
}

// A previous postmaster on this data dir that is shutting down (its owner died and the death
// signal asked it to), or its backends after it was killed: give them until `deadline` to go,
// so this start does not fail on the lock file or the shared memory interlock. A server that
// is up and running is left alone; postgres itself then refuses to start, saying so.
void wait_for_previous_postmaster(const fs::path& data_dir, steady_clock::time_point deadline) {
  const auto lock = read_lock_file(data_dir);
  if (!lock) return;
  if (is_postgres_process(lock->pid)) {
    if (lock->status != "stopping") return;
    wait_until(deadline, [&] { return !is_postgres_process(lock->pid); });
  }
  wait_until(deadline, [&] { return !shared_memory_in_use(lock->shm_key, lock->shm_id); });
}

// The part of the log written since `offset` (this start's), at most `max_bytes`.
std::string log_since(const fs::path& log, std::uintmax_t offset, std::size_t max_bytes = 4096) {
  std::error_code ec;
  const auto size = fs::file_size(log, ec);
  if (ec || size <= offset) return {};
  return file_tail(log, std::min<std::uintmax_t>(size - offset, max_bytes));
}

// libpq handles, released on scope exit.
struct pq_conn_deleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct pq_result_deleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using pq_conn = std::unique_ptr<PGconn, pq_conn_deleter>;
using pq_result = std::unique_ptr<PGresult, pq_result_deleter>;

std::string trimmed_error(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string percent_encode(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string postgres_bin_dir(const std::string& configured) {
  if (!configured.empty()) {
    if (!executable_file(fs::path(configured) / "postgres")) {
      fail("no postgres executable in " + configured);
    }
    return configured;
  }
  static std::mutex mutex;
  static std::optional<std::string> cached;
  std::lock_guard lock(mutex);
  if (cached) return *cached;
  // Debian's pg_config comes with libpq-dev and may name a version whose server is not
  // installed, so its answer counts only when a postgres binary is there.
  std::string from_pg_config;
  try {
    from_pg_config =
        capture_output({.executable = find_executable("pg_config"), .args = {"--bindir"}});
  } catch (const std::exception&) {
    from_pg_config.clear();
  }
  if (!from_pg_config.empty() && executable_file(fs::path(from_pg_config) / "postgres")) {
    cached = from_pg_config;
    return *cached;
  }
  int best = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      continue;
    }
    const int version = std::atoi(name.c_str());
    if (version > best && executable_file(entry.path() / "bin" / "postgres")) {
      best = version;
      cached = (entry.path() / "bin").string();
    }
  }
  if (!cached) {
    fail(
        "PostgreSQL's server programs not found (pg_config --bindir, /usr/lib/postgresql/*/bin); "
        "install postgresql-15");
  }
  return *cached;
}

std::string postgres_version(const std::string& bin_dir) {
  // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
  const std::string out =
      capture_output({.executable = (fs::path(bin_dir) / "postgres").string(), .args = {"-V"}});
  const auto paren = out.find(") ");
  if (paren == std::string::npos) fail("cannot read the version of " + bin_dir + "/postgres");
  const auto begin = paren + 2;
  return out.substr(begin, out.find(' ', begin) - begin);
}

std::unique_ptr<postgres_process> postgres_process::start(const postgres_launch_options& options) {
  const auto deadline = steady_clock::now() + options.start_timeout;
  if (options.data_dir.empty()) fail("data_dir is empty");
  if (!valid_name(options.database)) {
    fail("database name '" + options.database + "' is not [a-z0-9_]{1,63}");
  }
  if (!valid_name(options.user)) fail("user name '" + options.user + "' is not [a-z0-9_]{1,63}");
  const fs::path bin = postgres_bin_dir(options.bin_dir);
  const run_as_user user = resolve_run_as(options.run_as);

  std::unique_ptr<postgres_process> proc(new postgres_process());
  proc->database_ = options.database;
  proc->user_ = options.user;
  // postgres chdirs into the data dir, and the child starts in /: every path must be absolute.
  proc->requested_data_dir_ = fs::absolute(options.data_dir).lexically_normal();
  if (proc->requested_data_dir_.filename().empty()) {
    proc->requested_data_dir_ = proc->requested_data_dir_.parent_path();
  }
  proc->data_dir_ = proc->requested_data_dir_;
  proc->log_file_ = options.log_file.empty() ? fs::path(proc->requested_data_dir_.string() + ".log")
                                             : fs::absolute(options.log_file).lexically_normal();
  std::optional<relocation> relocated;
  if (user.switch_ids) {
    relocated = plan_relocation(proc->requested_data_dir_, options.relocation_root, user);
  }
  if (relocated) {
    proc->data_dir_ = relocated->cluster_dir;
    proc->relocation_reason_ = relocated->reason;
  }
  prepare_data_dir(proc->data_dir_, user);

  std::error_code ec;
  std::uintmax_t log_offset = fs::file_size(proc->log_file_, ec);
  if (ec) log_offset = 0;
  if (relocated) {
    // The log is ours (the programs inherit the descriptor): say there where the cluster is.
    const int fd = ::open(proc->log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      const std::string note = "livechat: cluster relocated to " + proc->data_dir_.string() +
                               " because " + relocated->reason + " (see " +
                               (proc->requested_data_dir_ / marker_name).string() + ")\n";
      [[maybe_unused]] const auto written = ::write(fd, note.data(), note.size());
      ::close(fd);
    }
  }
  const auto failure = [&](const std::string& what) {
    proc->stop();  // also removes a socket temp dir
    fail(what + "; log " + proc->log_file_.string() + " ends with:\n" +
         log_since(proc->log_file_, log_offset));
  };
  // The programs run as the run-as user in /, with no PG* variables of ours: PGDATA, PGPORT and
  // the like must not redirect them.
  spawn_request base{.output_file = proc->log_file_,
                     .umask = 077,
                     .uid = user.switch_ids ? static_cast<int>(user.uid) : -1,
                     .gid = user.switch_ids ? static_cast<int>(user.gid) : -1,
                     .working_dir = "/",
                     .drop_env_prefixes = {"PG"}};

  if (!fs::exists(proc->data_dir_ / "PG_VERSION")) {
    if (!options.template_dir.empty()) {
      try {
        copy_template(options.template_dir, proc->data_dir_, user);
      } catch (const std::exception& e) {
        // The directory was empty before: leave it so, not half a cluster.
        for (const auto& entry : fs::directory_iterator(proc->data_dir_, ec)) {
          fs::remove_all(entry.path(), ec);
        }
        fail(std::string("copying the template cluster: ") + e.what());
      }
    } else {
      // Trust authentication is safe here only because nothing listens on TCP: the one way in
      // is the unix socket, in a 0700 directory of the run-as user (and socket mode 0700), so
      // only that user and root can connect at all.
      spawn_request initdb = base;
      initdb.executable = (bin / "initdb").string();
      initdb.args = {"-D",         proc->data_dir_.string(), "-U",
                     options.user, "--auth=trust",           "-E",
                     "UTF8",       "--locale=C.UTF-8",       "--no-instructions"};
      if (!options.fsync) initdb.args.emplace_back("-N");
      child_process child;
      try {
        child = child_process::spawn(initdb);
      } catch (const std::exception& e) {
        fail(e.what());
      }
      if (!child.wait_for(std::max(std::chrono::milliseconds(0),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(
                                       deadline - steady_clock::now())))) {
        child.kill(SIGKILL);
        failure("initdb not done within " + std::to_string(options.start_timeout.count()) + " ms");
      }
      if (const int status = child.exit_status().value_or(0);
          !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        failure("initdb failed (" + describe_wait_status(status) + ")");
      }
    }
  }

  // The socket goes into the data dir when its path fits (and needs no quoting as a directory
  // list entry or libpq host); else into a fresh 0700 directory under /tmp.
  const std::string data_dir_text = proc->data_dir_.string();
  const bool fits = data_dir_text.size() + socket_name.size() <= max_socket_path &&
                    data_dir_text.find_first_of(",\"' \t\n\\") == std::string::npos;
  if (fits) {
    proc->socket_dir_ = data_dir_text;
  } else {
    char tmpl[] = "/tmp/lc-pgsock-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) fail(std::string("mkdtemp: ") + errno_text(errno));
    proc->socket_temp_dir_ = tmpl;
    proc->socket_dir_ = tmpl;
    if (user.switch_ids && ::chown(tmpl, user.uid, user.gid) != 0) {
      failure("cannot chown " + std::string(tmpl) + ": " + errno_text(errno));
    }
  }

  wait_for_previous_postmaster(proc->data_dir_, deadline);
  spawn_request postgres = base;
  postgres.executable = (bin / "postgres").string();
  postgres.args = {"-D", data_dir_text,
                   "-k", proc->socket_dir_,
                   "-p", std::to_string(pg_port),
                   "-c", "listen_addresses=",
                   "-c", "unix_socket_permissions=0700"};
  if (!options.fsync) {
    postgres.args.insert(postgres.args.end(), {"-c", "fsync=off", "-c", "synchronous_commit=off",
                                               "-c", "full_page_writes=off"});
  }
  // Fast shutdown when the thread that started it dies: sessions end, a checkpoint is written.
  postgres.death_signal = SIGINT;
  try {
    proc->child_ = child_process::spawn(postgres);
  } catch (const std::exception& e) {
    failure(e.what());
  }

  // Ready: the lock file names our child (not a previous postmaster still shutting down) and
  // says "ready" (so pings do not fill the log with "the database system is starting up"), and
  // it accepts connections.
  const std::string admin = proc->conninfo("postgres") + " connect_timeout=2";
  bool ready = false;
  while (proc->child_.running()) {
    const auto lock = read_lock_file(proc->data_dir_);
    if (lock && lock->pid == proc->child_.pid() && lock->status == "ready" &&
        PQping(admin.c_str()) == PQPING_OK) {
      proc->shm_id_ = lock->shm_id;
      proc->shm_key_ = lock->shm_key;
      ready = true;
      break;
    }
    if (steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(poll_interval);
  }
  if (!ready) {
    if (auto status = proc->child_.exit_status()) {
      failure("postgres exited during startup (" + describe_wait_status(*status) + ")");
    }
    proc->child_.kill(SIGKILL);
    failure("postgres not ready within " + std::to_string(options.start_timeout.count()) + " ms");
  }

  // Our own session: every setting explicit, so PGOPTIONS, PGTARGETSESSIONATTRS, PGSSLMODE and
  // the like in the environment change nothing; bounded by what is left of the start timeout.
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
  const std::string session =
      admin + " sslmode=disable gssencmode=disable target_session_attrs=any" +
      " application_name=livechat-launcher options=" +
      conninfo_value("-c statement_timeout=" + std::to_string(std::max<long>(left.count(), 1)));
  pq_conn conn(PQconnectdb(session.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    failure("cannot connect: " + trimmed_error(PQerrorMessage(conn.get())));
  }
  const char* params[] = {options.database.c_str()};
  pq_result exists(PQexecParams(conn.get(), "SELECT 1 FROM pg_database WHERE datname = $1", 1,
                                nullptr, params, nullptr, nullptr, 0));
  if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK) {
    failure("looking up database " + options.database + ": " +
            trimmed_error(PQresultErrorMessage(exists.get())));
  }
  if (PQntuples(exists.get()) == 0) {
    // The name is [a-z0-9_]: quoting it is enough.
    const std::string create = "CREATE DATABASE \"" + options.database + "\"";
    pq_result created(PQexec(conn.get(), create.c_str()));
    if (PQresultStatus(created.get()) != PGRES_COMMAND_OK) {
      failure(create + ": " + trimmed_error(PQresultErrorMessage(created.get())));
    }
  }
  return proc;
}

postgres_process::~postgres_process() {
  stop();
}

bool postgres_process::running() {
  return child_.running();
}

void postgres_process::wait_for_shared_memory_release() const {
  const auto deadline = steady_clock::now() + stop_grace;
  wait_until(deadline, [&] { return !shared_memory_in_use(shm_key_, shm_id_); });
}

void postgres_process::stop() {
  if (child_.running()) {
    child_.kill(SIGINT);
    child_.kill(SIGCONT);  // a stopped postmaster would never act on SIGINT
    if (!child_.wait_for(stop_grace)) child_.kill(SIGKILL);
  }
  wait_for_shared_memory_release();
  if (!socket_temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(socket_temp_dir_, ec);
    socket_temp_dir_.clear();
  }
}

void postgres_process::kill(int signal) {
  child_.kill(signal);
  if (signal == SIGKILL) wait_for_shared_memory_release();
}

std::string postgres_process::conninfo(const std::string& database) const {
  return "host=" + conninfo_value(socket_dir_) + " port=" + std::to_string(pg_port) +
         " user=" + conninfo_value(user_) + " dbname=" + conninfo_value(database);
}

std::string postgres_process::url(const std::string& database) const {
  return "postgresql://" + percent_encode(user_) + "@/" + percent_encode(database) +
         "?host=" + percent_encode(socket_dir_) + "&port=" + std::to_string(pg_port);
}

std::string postgres_process::log_tail(std::size_t max_bytes) const {
  return file_tail(log_file_, max_bytes);
}

}  // namespace lc::app
