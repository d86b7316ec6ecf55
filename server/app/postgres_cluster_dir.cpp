#include "server/app/postgres_cluster_dir.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace lc::app::postgres_paths {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("postgres launcher: " + what);
}

std::optional<passwd> lookup_user(const std::string& name, std::vector<char>& buffer) {
  passwd pw{};
  passwd* result = nullptr;
  buffer.resize(16384);
  if (::getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &result) != 0 ||
      result == nullptr) {
    return std::nullopt;
  }
  return pw;
}

}  // namespace

bool directory_empty(const fs::path& dir) {
  return fs::directory_iterator(dir) == fs::directory_iterator();
}

run_as_user resolve_run_as(const std::string& configured) {
  run_as_user user;
  user.uid = ::geteuid();
  user.gid = ::getegid();
  if (user.uid != 0) return user;
  std::vector<char> buffer;
  std::optional<passwd> pw;
  if (!configured.empty()) {
    pw = lookup_user(configured, buffer);
    if (!pw) fail("run-as user '" + configured + "' does not exist");
    user.name = configured;
  } else if ((pw = lookup_user("postgres", buffer))) {
    user.name = "postgres";
  } else if ((pw = lookup_user("nobody", buffer))) {
    // Other daemons may run as nobody too and could then reach the socket: prefer a dedicated
    // user (Debian's postgresql packages create "postgres").
    user.name = "nobody";
  } else {
    fail("running as root, and neither user 'postgres' nor 'nobody' exists to run PostgreSQL as");
  }
  if (pw->pw_uid == 0)
    fail("PostgreSQL refuses to run as root; run-as user '" + user.name + "' is");
  user.switch_ids = true;
  user.uid = pw->pw_uid;
  user.gid = pw->pw_gid;
  return user;
}

std::string describe_user(const run_as_user& user) {
  return "'" + user.name + "' (uid " + std::to_string(user.uid) + ")";
}

namespace {

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

// The first directory on the way to `dir` that `user` may not pass (no search permission), as
// the child will be: its primary group only, since spawn replaces the supplementary groups.
// ACLs are not consulted. nullopt when the way is clear.
// Both the path as given and its symlink-free form are walked: a symlink on the way is only
// followed by one who may pass the directories it sits in.
std::optional<std::string> traversal_blocker(const fs::path& dir, const run_as_user& user) {
  const auto walk = [&](const fs::path& path) -> std::optional<std::string> {
    fs::path prefix;
    for (const auto& part : path) {
      if (part.empty()) continue;  // after a trailing '/'
      prefix /= part;
      struct stat st {};
      if (::stat(prefix.c_str(), &st) != 0) return prefix.string() + ": " + errno_text(errno);
      mode_t needed = S_IXOTH;
      if (st.st_uid == user.uid) {
        needed = S_IXUSR;
      } else if (st.st_gid == user.gid) {
        needed = S_IXGRP;
      }
      if ((st.st_mode & needed) == 0) {
        return prefix.string() + " (owner uid " + std::to_string(st.st_uid) + ", group gid " +
               std::to_string(st.st_gid) + ", mode " + octal_mode(st.st_mode) + ")";
      }
    }
    return std::nullopt;
  };
  if (auto blocker = walk(fs::absolute(dir).lexically_normal())) return blocker;
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec) return dir.string() + ": " + ec.message();
  return walk(canonical);
}

namespace {

std::string fnv1a64_hex(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// Makes the missing directories of `root` (0755, ours) and checks it is root's, closed to
// writes by others (nobody else may put a symlink where a cluster goes), and reachable by
// `user`. An empty string when it is fit, else what is wrong with it.
std::string prepare_relocation_root(const fs::path& root, const run_as_user& user) {
  fs::path prefix;
  for (const auto& part : root) {
    if (part.empty()) continue;
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0755) == 0) {
      if (::chmod(prefix.c_str(), 0755) != 0) {  // whatever our umask
        return "cannot chmod 0755 " + prefix.string() + ": " + errno_text(errno);
      }
    } else if (errno != EEXIST) {
      return "cannot create " + prefix.string() + ": " + errno_text(errno);
    }
  }
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) return root.string() + ": " + errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return root.string() + " is not a directory";
  if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
    return root.string() + " must be root's and not writable by group or others (owner uid " +
           std::to_string(st.st_uid) + ", mode " + octal_mode(st.st_mode) + ")";
  }
  if (auto blocker = traversal_blocker(root, user)) {
    return "that user cannot reach it either: " + *blocker + " denies it search (x) permission";
  }
  return {};
}

// The RELOCATED file in the (empty) requested data dir, which becomes root's and 0700: its
// first line is the cluster's path, for us on the next start and for the operator.
void write_marker(const fs::path& requested, const relocation& where, const run_as_user& user) {
  if (::mkdir(requested.c_str(), 0700) != 0 && errno != EEXIST) {
    fail("cannot create " + requested.string() + ": " + errno_text(errno));
  }
  // Empty (checked): an earlier failed start may have given it to the run-as user already.
  if (::chown(requested.c_str(), ::geteuid(), ::getegid()) != 0 ||
      ::chmod(requested.c_str(), 0700) != 0) {
    fail("cannot make " + requested.string() + " root's and 0700: " + errno_text(errno));
  }
  const fs::path marker = requested / marker_name;
  const fs::path temp = requested / (std::string(marker_name) + ".tmp");
  {
    std::ofstream out(temp, std::ios::trunc);
    out << where.cluster_dir.string() << "\n"
        << "This directory holds no PostgreSQL cluster: it is at the path on the first line.\n"
        << "PostgreSQL refuses to run as root, so livechat runs it as another user, and\n"
        << where.reason << ".\n"
        << "Every start with this data dir uses that cluster (its name is a hash of this "
           "directory's path).\n"
        << "To move it back: stop livechat, let " << user.name << " reach this directory, "
        << "remove this file,\nmove the cluster's contents in here and chown -R " << user.name
        << " this directory.\n";
    out.close();
    if (!out) fail("cannot write " + temp.string());
  }
  if (::rename(temp.c_str(), marker.c_str()) != 0) {
    fail("cannot rename " + temp.string() + " to " + marker.string() + ": " + errno_text(errno));
  }
}

}  // namespace

// As root: nullopt when the run-as user can reach the requested data dir's parent and it was
// never relocated, else the relocated cluster dir (not created yet; RELOCATED written on the
// first relocation). Throws when relocation is needed but impossible.
std::optional<relocation> plan_relocation(const fs::path& requested, const fs::path& root_option,
                                          const run_as_user& user) {
  std::error_code ec;
  fs::create_directories(requested.parent_path(), ec);
  if (ec) fail("cannot create " + requested.parent_path().string() + ": " + ec.message());
  const fs::path marker = requested / marker_name;
  struct stat st {};
  const bool has_marker = ::lstat(marker.c_str(), &st) == 0;
  const auto blocker = traversal_blocker(requested.parent_path(), user);
  if (!has_marker && !blocker) return std::nullopt;

  // "the data dir D: B denies it search (x) permission"
  const std::string unreachable = blocker ? "the data dir " + requested.string() + ": " + *blocker +
                                                " denies it search (x) permission"
                                          : std::string();
  const auto refuse = [&](const std::string& why) {
    fail("PostgreSQL refuses to run as root, so it runs as " + describe_user(user) +
         ", and that user cannot reach " + unreachable + "; " + why +
         ". Choose a data dir that user can reach (e.g. under /var/lib), or grant it passage "
         "(chmod o+x on that directory)");
  };
  fs::path root = root_option.empty() ? fs::path() : fs::absolute(root_option).lexically_normal();
  if (root.has_relative_path() && root.filename().empty()) root = root.parent_path();
  if (!has_marker) {
    if (root.empty()) refuse("there is no relocation_root to place the cluster under instead");
    if (::lstat(requested.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        refuse("it is not a directory, so no cluster goes elsewhere for it");
      }
      if (fs::exists(requested / "PG_VERSION")) {
        refuse("it holds a cluster, which is not started elsewhere in its place");
      }
      if (!directory_empty(requested)) {
        refuse("it is not empty, so it is not made a pointer to a cluster elsewhere");
      }
    }
  }
  relocation where;
  where.cluster_dir = root / fnv1a64_hex(requested.string());
  if (has_marker) {
    const std::string recorded = first_line(marker);
    if (root.empty() || recorded != where.cluster_dir.string()) {
      fail("data dir " + requested.string() + " says (" + marker.string() + ") its cluster is at " +
           recorded + ", but relocation_root " +
           (root.empty() ? std::string("is empty") : "puts it at " + where.cluster_dir.string()) +
           ": move that cluster there, or set relocation_root to its parent directory again");
    }
  }
  where.reason = blocker ? describe_user(user) + " cannot reach " + unreachable
                         : "the data dir " + requested.string() +
                               " was relocated on an earlier start (" + marker.string() + ")";
  if (const std::string unfit = prepare_relocation_root(root, user); !unfit.empty()) {
    if (!blocker) fail("relocated cluster " + where.cluster_dir.string() + ": " + unfit);
    refuse("the fallback, relocation_root " + root.string() + ", will not do: " + unfit);
  }
  if (!has_marker) write_marker(requested, where, user);
  return where;
}

}  // namespace lc::app::postgres_paths
