#include "server/core/envelope_parse.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

namespace pb = livechat::v1;

TEST(EnvelopeParse, ValidFrameParses) {
  pb::ClientEnvelope e;
  e.set_request_id(9);
  e.mutable_ping();
  auto r = parse_client_envelope(e.SerializeAsString());
  ASSERT_TRUE(std::holds_alternative<pb::ClientEnvelope>(r));
  EXPECT_EQ(std::get<pb::ClientEnvelope>(r).request_id(), 9u);
}

TEST(EnvelopeParse, GarbageIsMalformed) {
  auto r = parse_client_envelope("\xff\xff\xff\xff garbage");
  ASSERT_TRUE(std::holds_alternative<parse_failure>(r));
  EXPECT_EQ(std::get<parse_failure>(r).err.code, pb::ERROR_CODE_MALFORMED);
  EXPECT_EQ(std::get<parse_failure>(r).request_id, 0u);
}

TEST(EnvelopeParse, InvalidUtf8IsInvalidArgumentForTheRequest) {
  // Build the wire bytes by hand: the C++ API will not serialize invalid UTF-8 into a string.
  pb::ClientEnvelope e;
  e.set_request_id(42);
  e.mutable_send()->set_conversation_id("c1");
  e.mutable_send()->set_client_msg_id("m1");
  e.mutable_send()->set_text("XX");
  auto wire = e.SerializeAsString();
  auto at = wire.find("XX");
  ASSERT_NE(at, std::string::npos);
  wire[at] = '\xc3';
  wire[at + 1] = '\x28';
  auto r = parse_client_envelope(wire);
  ASSERT_TRUE(std::holds_alternative<parse_failure>(r));
  EXPECT_EQ(std::get<parse_failure>(r).err.code, pb::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(std::get<parse_failure>(r).request_id, 42u);
}

}  // namespace
}  // namespace lc::core
