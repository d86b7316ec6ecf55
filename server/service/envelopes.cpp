#include "server/service/envelopes.hpp"

#include <chrono>

namespace lc::service {

frame encode(const livechat::v1::ServerEnvelope& envelope) {
  auto out = std::make_shared<std::string>();
  envelope.SerializeToString(out.get());
  return out;
}

livechat::v1::ServerEnvelope error_envelope(std::uint64_t request_id, livechat::v1::ErrorCode code,
                                            const std::string& text) {
  livechat::v1::ServerEnvelope env;
  env.set_request_id(request_id);
  auto* e = env.mutable_error();
  e->set_code(code);
  e->set_text(text);
  e->set_request_id(request_id);
  return env;
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lc::service
