#include "server/core/transcript_text.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

namespace pb = livechat::v1;

constexpr std::int64_t dec2_1658 = 1796230680000;  // Wed, 02 Dec 2026 16:58:00 UTC

pb::ChatEvent event(pb::EventKind kind, pb::Role role, std::string name, std::string text,
                    std::int64_t at_ms) {
  pb::ChatEvent e;
  e.set_kind(kind);
  e.set_sender_role(role);
  e.set_sender_name(std::move(name));
  e.set_text(std::move(text));
  e.set_at_ms(at_ms);
  return e;
}

TEST(TranscriptText, ShowsWhatTheVisitorSawWithTimesAndDays) {
  const std::vector<pb::ChatEvent> events{
      event(pb::EVENT_KIND_JOINED, pb::ROLE_VISITOR, "Ada", "", dec2_1658),
      event(pb::EVENT_KIND_MESSAGE, pb::ROLE_VISITOR, "Ada", "my order\nis late", dec2_1658),
      event(pb::EVENT_KIND_ASSIGNED, pb::ROLE_SYSTEM, "Bob", "", dec2_1658 + 60000),
      event(pb::EVENT_KIND_NOTE, pb::ROLE_AGENT, "Bob", "she is a VIP", dec2_1658 + 61000),
      event(pb::EVENT_KIND_TAGGED, pb::ROLE_AGENT, "Bob", "vip", dec2_1658 + 62000),
      event(pb::EVENT_KIND_MONITORED, pb::ROLE_SUPERVISOR, "Sue", "", dec2_1658 + 63000),
      event(pb::EVENT_KIND_MESSAGE, pb::ROLE_AGENT, "Bob", "Let me check.", dec2_1658 + 120000),
      event(pb::EVENT_KIND_MESSAGE, pb::ROLE_AGENT, "", "Done.", dec2_1658 + 8 * 3600000),
      event(pb::EVENT_KIND_CLOSED, pb::ROLE_AGENT, "Bob", "", dec2_1658 + 8 * 3600000),
  };
  const auto text = transcript_text(events, "Acme", "c123");
  EXPECT_EQ(text,
            "Transcript of your chat with Acme\n"
            "Times are in UTC.\n"
            "\n"
            "Wednesday, 02 December 2026\n"
            "[16:58] Ada: my order\n"
            "             is late\n"
            "[16:59] Bob joined the chat.\n"
            "[17:00] Bob: Let me check.\n"
            "\n"
            "Thursday, 03 December 2026\n"
            "[00:58] Support: Done.\n"
            "[00:58] The chat ended.\n"
            "\n"
            "Reference: c123\n");
  EXPECT_EQ(text.find("VIP"), std::string::npos) << "notes are staff only";
  EXPECT_EQ(text.find("vip"), std::string::npos) << "so are tags";
  EXPECT_EQ(text.find("Sue"), std::string::npos) << "and monitoring";
}

TEST(TranscriptText, ListsTheFilesSent) {
  auto photo = event(pb::EVENT_KIND_MESSAGE, pb::ROLE_VISITOR, "Ada", "the box", dec2_1658);
  photo.mutable_attachment()->set_name("box.jpg");
  photo.mutable_attachment()->set_size(2 * 1024 * 1024);
  auto invoice = event(pb::EVENT_KIND_MESSAGE, pb::ROLE_AGENT, "Bob", "", dec2_1658 + 60000);
  invoice.mutable_attachment()->set_name("invoice.pdf");
  invoice.mutable_attachment()->set_size(900);
  const auto text = transcript_text({photo, invoice}, "Acme", "c9");
  EXPECT_NE(text.find("[16:58] Ada: the box\n"
                      "             [file: box.jpg (2.0 MB)]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[16:59] Bob: [file: invoice.pdf (900 bytes)]\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace lc::core
