#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "server/app/config.hpp"
#include "server/core/ids.hpp"
#include "server/core/validate.hpp"

namespace lc::app {

namespace {

// nullopt when the file does not exist; throws on other errors.
std::optional<std::string> read_secret_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw std::runtime_error("cannot read secret file " + path.string() + ": " +
                             std::strerror(errno));
  }
  std::string content;
  char buf[512];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot read secret file " + path.string() + ": " +
                               std::strerror(err));
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  content = core::trim_blanks(content);
  if (content.empty()) {
    throw std::runtime_error("secret file " + path.string() +
                             " is empty; delete it to generate a new secret (this invalidates "
                             "issued tokens) or pass --secret");
  }
  return content;
}

}  // namespace

std::string load_or_create_secret(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    throw std::runtime_error("cannot create data dir " + data_dir.string() + ": " + ec.message());
  }
  const auto path = data_dir / "secret";
  if (auto existing = read_secret_file(path)) return *existing;

  // Write a private temp file completely, then link() it into place: link fails with EEXIST
  // instead of overwriting, so a concurrent starter's secret wins and both read the same one.
  std::string secret = core::random_id(32);
  const auto tmp =
      data_dir / ("secret.tmp." + std::to_string(::getpid()) + "." + core::random_id(4));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot create secret file in " + data_dir.string() + ": " +
                             std::strerror(errno));
  }
  const std::string content = secret + "\n";
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write secret file " + tmp.string());
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return secret;
  if (err == EEXIST) {
    if (auto existing = read_secret_file(path)) return *existing;
  }
  throw std::runtime_error("cannot create secret file " + path.string() + ": " +
                           std::strerror(err));
}

}  // namespace lc::app
