// Any bytes a client sends as a WebSocket frame: parsed as an envelope, then validated for every
// role, as the service does before anything reaches Redis.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/core/envelope_parse.hpp"
#include "server/core/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pb = livechat::v1;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = lc::core::parse_client_envelope(bytes);
  if (auto* envelope = std::get_if<pb::ClientEnvelope>(&parsed)) {
    const lc::core::limits lim;
    for (auto role : {pb::ROLE_UNSPECIFIED, pb::ROLE_VISITOR, pb::ROLE_AGENT, pb::ROLE_ADMIN}) {
      (void)lc::core::validate_request(*envelope, role, lim);
    }
  }
  return 0;
}
