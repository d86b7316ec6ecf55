#include "server/store/keys.hpp"

#include <stdexcept>

#include "server/core/ids.hpp"

namespace lc::store::keys {

namespace {

std::string join(std::string_view prefix, std::string_view id, std::string_view suffix = {}) {
  operator_part(id);
  std::string out;
  out.reserve(prefix.size() + id.size() + suffix.size());
  out.append(prefix).append(id).append(suffix);
  return out;
}

}  // namespace

std::string_view operator_part(std::string_view id) {
  if (id.empty() || id.find_first_of(":{}") != std::string_view::npos) {
    throw std::invalid_argument("key part '" + std::string(id) + "' would change the key");
  }
  return id;
}

std::string conversation(std::string_view id) {
  return join("lc:conv:", id);
}
std::string stream(std::string_view id) {
  return join("lc:conv:", id, ":s");
}
std::string metadata(std::string_view id) {
  return join("lc:conv:", id, ":meta");
}
std::string agent(std::string_view id) {
  return join("lc:agent:", id);
}
std::string agent_conversations(std::string_view id) {
  return join("lc:agent:", id, ":convs");
}
std::string visitor(std::string_view id) {
  return join("lc:visitor:", id);
}
std::string visitor_conversations(std::string_view id) {
  return join("lc:visitor:", id, ":convs");
}
std::string offline(std::string_view id) {
  return join("lc:offline:", id);
}
std::string offline_department(std::string_view dept) {
  return join("lc:offline:d:", dept);
}
std::string address_queued(std::string_view addr_hex) {
  return join("lc:addr:", addr_hex, ":queued");
}
std::string ban(std::string_view key_part) {
  if (key_part.size() < 3 || key_part[1] != ':' ||
      std::string_view("vae").find(key_part[0]) == std::string_view::npos) {
    throw std::invalid_argument("'" + std::string(key_part) + "' is not a ban's key part");
  }
  return join("lc:ban:", key_part.substr(0, 1), ":").append(operator_part(key_part.substr(2)));
}
std::string hex_part(std::string_view bytes) {
  return core::hex(bytes);
}
std::string node_channel(std::string_view node) {
  return join("lc:n:", node);
}

}  // namespace lc::store::keys
