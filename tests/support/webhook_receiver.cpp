#include "tests/support/webhook_receiver.hpp"

namespace lc::test {

namespace {

webhook_receiver::request request_of(const core::json_value& v) {
  webhook_receiver::request r;
  if (const auto* p = v.find("path")) r.path = p->as_string();
  if (const auto* b = v.find("body")) r.body = b->as_string();
  if (const auto* s = v.find("status")) r.status = static_cast<int>(s->as_int64().value_or(0));
  if (const auto* h = v.find("headers"); h != nullptr && h->is_object()) {
    for (const auto& [name, value] : h->members()) {
      if (value.is_string()) r.headers[name] = value.as_string();
    }
  }
  return r;
}

std::vector<webhook_receiver::request> requests_of(const std::vector<core::json_value>& entries) {
  std::vector<webhook_receiver::request> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(request_of(e));
  return out;
}

}  // namespace

webhook_receiver::webhook_receiver(int fail_first)
    : server_("python3", WEBHOOK_RECEIVER_SCRIPT, {"--fail-first", std::to_string(fail_first)}) {}

std::string webhook_receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

std::vector<webhook_receiver::request> webhook_receiver::requests() const {
  return requests_of(server_.entries());
}

std::vector<webhook_receiver::request> webhook_receiver::wait_for(
    std::size_t count, std::chrono::milliseconds timeout) const {
  return requests_of(server_.wait_for(count, timeout));
}

}  // namespace lc::test
