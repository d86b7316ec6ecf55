#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

// Where the embedded PostgreSQL's cluster lives and who may reach it: the run-as user (root
// cannot run PostgreSQL), the path check, and relocation when that user cannot reach the data
// dir. Split from postgres_launcher, which starts and stops the server.
namespace lc::app::postgres_paths {

// The file a relocated data dir holds: its first line is where the cluster is.
inline constexpr std::string_view marker_name = "RELOCATED";

bool directory_empty(const std::filesystem::path& dir);

// Who PostgreSQL runs as. Only root switches users; anyone else runs it as themselves.
struct run_as_user {
  bool switch_ids = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

// The configured user ("" = postgres if it exists, else nobody) when we are root, else us.
run_as_user resolve_run_as(const std::string& configured);
std::string describe_user(const run_as_user& user);

// The first directory on the way to `dir` that `user` may not pass, or nullopt.
std::optional<std::string> traversal_blocker(const std::filesystem::path& dir,
                                             const run_as_user& user);

// A cluster placed under relocation_root instead of the requested data dir, and why.
struct relocation {
  std::filesystem::path cluster_dir;
  std::string reason;
};

// As root: nullopt when the run-as user can reach the requested data dir's parent and it was
// never relocated, else the relocated cluster dir (RELOCATED written on the first relocation).
// Throws std::runtime_error when relocation is needed but impossible.
std::optional<relocation> plan_relocation(const std::filesystem::path& requested,
                                          const std::filesystem::path& root_option,
                                          const run_as_user& user);

}  // namespace lc::app::postgres_paths
