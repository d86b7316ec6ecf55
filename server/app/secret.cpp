#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "server/app/config.hpp"
#include "server/core/ids.hpp"
#include "server/core/validate.hpp"

namespace lc::app {

namespace {

// Lower-case letters and digits only, so "REPLACE-ME", "replace_me" and "Replace Me" compare equal.
std::string fold(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  }
  return out;
}

// Values that documentation, examples and manifests put where the secret goes (folded). A
// placeholder can be long (the Kubernetes one is 35 bytes): length alone does not catch it.
constexpr std::array<std::string_view, 9> placeholder_prefixes = {
    "replaceme", "changeme", "changethis",  "yoursecret", "insertsecret",
    "putsecret", "setme",    "placeholder", "todo"};
constexpr std::array<std::string_view, 6> placeholder_words = {"replaceme", "changeme", "secret",
                                                               "password",  "example",  "xxx"};

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
  if (auto problem = secret_problem(content); !problem.empty()) {
    throw std::runtime_error("secret file " + path.string() + " " + problem +
                             " (replacing it invalidates issued tokens)");
  }
  return content;
}

}  // namespace

std::string secret_problem(std::string_view secret) {
  const std::string folded = fold(secret);
  const std::string advice = "; use a random value, e.g. openssl rand -hex 32";
  for (auto p : placeholder_prefixes) {
    if (folded.starts_with(p)) return "is a placeholder, not a secret" + advice;
  }
  for (auto w : placeholder_words) {
    if (folded.find(w) != std::string::npos && folded.size() <= w.size() + 4) {
      return "is a placeholder, not a secret" + advice;
    }
  }
  if (folded.find("replaceme") != std::string::npos ||
      folded.find("changeme") != std::string::npos) {
    return "is a placeholder, not a secret" + advice;
  }
  if (secret.size() < min_secret_bytes) {
    return "is " + std::to_string(secret.size()) + " bytes, a signing secret needs at least " +
           std::to_string(min_secret_bytes) + advice;
  }
  // "aaaa...", "0000...": the length of a key without its entropy.
  if (secret.find_first_not_of(secret.front()) == std::string_view::npos) {
    return "repeats one character, not a secret" + advice;
  }
  return {};
}

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
