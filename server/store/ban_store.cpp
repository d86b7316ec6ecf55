#include "server/store/ban_store.hpp"

#include "server/store/command.hpp"
#include "server/store/keys.hpp"

namespace lc::store {

using detail::at;
using detail::command;
using detail::fcall;
using detail::run;

ban_store::task<void> ban_store::put(std::string key_part, std::int64_t ban_id,
                                     std::chrono::milliseconds ttl) {
  auto args = command("SET", keys::ban(key_part), std::to_string(ban_id));
  if (ttl.count() > 0) {
    args.emplace_back("PX");
    args.push_back(std::to_string(ttl.count()));
  }
  co_await run(conn_, std::move(args));
}

ban_store::task<void> ban_store::remove(std::string key_part) {
  co_await run(conn_, command("DEL", keys::ban(key_part)));
}

ban_store::task<void> ban_store::remove_if(std::string key_part, std::int64_t ban_id) {
  std::vector<std::string> args{keys::ban(key_part), std::to_string(ban_id)};
  co_await fcall(conn_, "lc_ban_clear", std::move(args));
}

ban_store::task<std::int64_t> ban_store::find(std::vector<std::string> key_parts) {
  if (key_parts.empty()) co_return 0;
  std::vector<std::string> args{"MGET"};
  args.reserve(key_parts.size() + 1);
  for (const auto& k : key_parts) args.push_back(keys::ban(k));
  auto r = co_await run(conn_, std::move(args));
  for (std::size_t i = 0; i < key_parts.size(); ++i) {
    const auto& v = at(r, i);
    if (!v.as_string().empty()) co_return v.as_int();
  }
  co_return 0;
}

}  // namespace lc::store
