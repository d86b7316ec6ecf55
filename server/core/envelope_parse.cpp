#include "server/core/envelope_parse.hpp"

#include <google/protobuf/unknown_field_set.h>

namespace lc::core {

namespace pb = livechat::v1;

std::variant<pb::ClientEnvelope, parse_failure> parse_client_envelope(std::string_view bytes) {
  pb::ClientEnvelope envelope;
  if (envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return envelope;
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return parse_failure{0,
                         {pb::ERROR_CODE_MALFORMED, "frame is not a livechat.v1.ClientEnvelope"}};
  }
  std::uint64_t request_id = 0;
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& f = fields.field(i);
    if (f.number() == 1 && f.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      request_id = f.varint();
    }
  }
  return parse_failure{request_id,
                       {pb::ERROR_CODE_INVALID_ARGUMENT, "a text field is not valid UTF-8"}};
}

}  // namespace lc::core
