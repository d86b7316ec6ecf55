#include "tests/support/pg_fixture.hpp"

#include <libpq-fe.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace lc::test {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view fixture_prefix = "lc-pg-";
constexpr std::string_view template_prefix = "livechat-pg-template-";

// The template is usable when it is ours and nobody else could have written into it.
bool trusted_template(const fs::path& dir, std::string& why) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    why = std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    why = "not a directory of uid " + std::to_string(::geteuid()) + " that only it may write";
    return false;
  }
  if (!fs::exists(dir / "cluster" / "PG_VERSION")) {
    why = "no cluster/PG_VERSION in it";
    return false;
  }
  return true;
}

// Names the installed server programs: path, size and modification time of initdb and
// postgres, hashed (FNV-1a). A package upgrade changes it, so a template is never used with
// other binaries than made it; and it costs two stat calls, where `postgres -V` costs ~25 ms in
// every test process.
std::string binaries_id(const std::string& bin) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&](std::string_view bytes) {
    for (char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  mix(bin);
  for (const char* program : {"initdb", "postgres"}) {
    struct stat st {};
    if (::stat((fs::path(bin) / program).c_str(), &st) != 0) {
      throw std::runtime_error("cannot stat " + bin + "/" + program + ": " + std::strerror(errno));
    }
    mix(std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
        std::to_string(st.st_mtim.tv_nsec) + ";");
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

fs::path build_template() {
  const std::string bin = app::postgres_bin_dir();
  const fs::path final_dir =
      pg_scratch_root() /
      (std::string(template_prefix) + std::to_string(::geteuid()) + "-" + binaries_id(bin));
  std::string why;
  if (trusted_template(final_dir, why)) return final_dir / "cluster";
  if (::access(final_dir.c_str(), F_OK) == 0) {
    throw std::runtime_error("refusing the PostgreSQL template " + final_dir.string() + ": " + why +
                             "; remove it");
  }

  // Templates of binaries since replaced (a package upgrade) would hold memory in /dev/shm for
  // good: ours, finished (no '.'), of another id.
  const std::string ours = std::string(template_prefix) + std::to_string(::geteuid()) + "-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(final_dir.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    struct stat st {};
    if (name.rfind(ours, 0) == 0 && name.find('.') == std::string::npos &&
        entry.path() != final_dir && ::lstat(entry.path().c_str(), &st) == 0 &&
        S_ISDIR(st.st_mode) && st.st_uid == ::geteuid()) {
      fs::remove_all(entry.path(), ec);
    }
  }

  std::string work = final_dir.string() + ".XXXXXX";
  if (::mkdtemp(work.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + work + ": " + std::strerror(errno));
  }
  std::ofstream(fs::path(work) / "owner.pid") << ::getpid() << "\n";  // for the sweep
  // As root, PostgreSQL runs as another user, which must get through to the cluster inside.
  ::chmod(work.c_str(), 0711);
  try {
    auto pg = app::postgres_process::start({.data_dir = fs::path(work) / "cluster",
                                            .bin_dir = bin,
                                            .fsync = false,
                                            .start_timeout = std::chrono::seconds(60)});
    pg->stop();  // a clean shutdown: copies start without crash recovery
  } catch (...) {
    fs::remove_all(work, ec);
    throw;
  }
  ::chmod(work.c_str(), 0700);
  // rename() of a directory onto a non-empty one fails, so exactly one racer wins.
  if (::rename(work.c_str(), final_dir.c_str()) != 0) {
    const int err = errno;
    fs::remove_all(work, ec);
    if (!trusted_template(final_dir, why)) {
      throw std::runtime_error("cannot install the PostgreSQL template " + final_dir.string() +
                               ": " + std::strerror(err) + " (" + why + ")");
    }
  }
  return final_dir / "cluster";
}

bool valid_database_name(const std::string& name) {
  return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

void pg_sweep_abandoned_fixtures() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(pg_scratch_root(), ec)) {
    const std::string name = entry.path().filename().string();
    // Fixtures, and templates still being built (a finished one has no '.' in its name).
    const bool fixture = name.rfind(fixture_prefix, 0) == 0;
    const bool template_in_progress =
        name.rfind(template_prefix, 0) == 0 && name.find('.') != std::string::npos;
    if (!fixture && !template_in_progress) continue;
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid()) {
      continue;
    }
    std::ifstream owner(entry.path() / "owner.pid");
    long pid = 0;
    if (!(owner >> pid) || pid <= 0) continue;  // being set up right now
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    fs::remove_all(entry.path(), ec);
  }
}

fs::path pg_scratch_root() {
  struct statfs fs_info {};
  if (::statfs("/dev/shm", &fs_info) == 0 && fs_info.f_type == TMPFS_MAGIC &&
      static_cast<unsigned long long>(fs_info.f_bavail) * fs_info.f_bsize >= (1ULL << 30) &&
      ::access("/dev/shm", W_OK | X_OK) == 0) {
    return "/dev/shm";
  }
  return "/tmp";
}

fs::path pg_template_cluster() {
  static std::mutex mutex;
  static std::optional<fs::path> cached;
  std::lock_guard lock(mutex);
  if (!cached) cached = build_template();
  return *cached;
}

pg_fixture::pg_fixture() : template_(pg_template_cluster()) {
  static std::once_flag swept;
  std::call_once(swept, pg_sweep_abandoned_fixtures);
  std::string tmpl = (pg_scratch_root() / fixture_prefix).string() + "XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  dir_ = tmpl;
  std::ofstream(dir_ / "owner.pid") << ::getpid() << "\n";
  // mkdtemp made it 0700; as root, the run-as user must pass through to the data dir.
  if (::geteuid() == 0) ::chmod(dir_.c_str(), 0711);
}

std::unique_ptr<pg_fixture> pg_fixture::start() {
  std::unique_ptr<pg_fixture> fixture(new pg_fixture());
  fixture->launch();
  return fixture;
}

pg_fixture::~pg_fixture() {
  if (process_) {
    // A SIGKILLed postmaster leaves its SysV segment and its /dev/shm segments behind; only a
    // postmaster started on the same data dir cleans them up, so start one for that.
    if (!process_->running() && fs::exists(process_->data_dir() / "postmaster.pid")) {
      try {
        restart();
      } catch (const std::exception&) {
        // Nothing more to do for it; the directory goes anyway.
      }
    }
  }
  if (process_) {
    // The cluster is thrown away: immediate shutdown, no checkpoint. Unlike SIGKILL the
    // postmaster still removes its shared memory on the way out.
    process_->kill(SIGQUIT);
    process_->stop();
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void pg_fixture::launch() {
  process_ = app::postgres_process::start(
      {.data_dir = dir_ / "data", .fsync = false, .template_dir = template_});
}

std::string pg_fixture::create_database(const std::string& name) {
  if (!valid_database_name(name)) {
    throw std::runtime_error("database name '" + name + "' is not [a-z0-9_]{1,63}");
  }
  pg_query(process_->url("postgres"), "CREATE DATABASE \"" + name + "\"");
  return process_->url(name);
}

void pg_fixture::kill(int signal) {
  process_->kill(signal);
}

void pg_fixture::stop() {
  process_->stop();
}

void pg_fixture::restart() {
  process_->stop();
  process_.reset();
  launch();
}

std::vector<std::vector<std::string>> pg_query(const std::string& url, const std::string& sql,
                                               const std::vector<std::string>& params) {
  const std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("pg_query: cannot connect to " + url + ": " +
                             PQerrorMessage(conn.get()));
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  // PQexec takes several statements; PQexecParams only one.
  const std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      params.empty() ? PQexec(conn.get(), sql.c_str())
                     : PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values.size()),
                                    nullptr, values.data(), nullptr, nullptr, 0),
      PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = PQresultErrorMessage(result.get());
    if (message.empty()) message = PQerrorMessage(conn.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error("pg_query: " + message + " (in: " + sql + ")");
  }
  std::vector<std::vector<std::string>> rows;
  const int columns = PQnfields(result.get());
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    auto& row = rows.emplace_back();
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      row.emplace_back(PQgetisnull(result.get(), r, c) != 0 ? "" : PQgetvalue(result.get(), r, c));
    }
  }
  return rows;
}

}  // namespace lc::test
