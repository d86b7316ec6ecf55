#include "server/core/mail.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

// The base64 body of a composed mail, decoded back (the test's own decoder).
std::string body_of(const std::string& mail) {
  const auto start = mail.find("\r\n\r\n");
  std::string b64;
  for (char c : mail.substr(start + 4)) {
    if (c != '\r' && c != '\n') b64.push_back(c);
  }
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int n = 0;
  for (char c : b64) {
    if (c == '=') break;
    bits = (bits << 6U) | static_cast<unsigned>(alphabet.find(c));
    n += 6;
    if (n >= 8) {
      n -= 8;
      out.push_back(static_cast<char>((bits >> static_cast<unsigned>(n)) & 0xFFU));
    }
  }
  return out;
}

TEST(Mail, AddressesGoingIntoSmtpAreStrict) {
  EXPECT_TRUE(mailable_address("ada@example.com"));
  EXPECT_TRUE(mailable_address("first.last+tag@mail.example.co.uk"));
  EXPECT_TRUE(mailable_address("x@localhost"));
  EXPECT_FALSE(mailable_address(""));
  EXPECT_FALSE(mailable_address("no-at-sign"));
  EXPECT_FALSE(mailable_address("@example.com"));
  EXPECT_FALSE(mailable_address("ada@"));
  EXPECT_FALSE(mailable_address("a..b@example.com"));
  EXPECT_FALSE(mailable_address(".a@example.com"));
  EXPECT_FALSE(mailable_address("a@-example.com"));
  EXPECT_FALSE(mailable_address("a@example..com"));
  EXPECT_FALSE(mailable_address("a b@example.com"));
  EXPECT_FALSE(mailable_address("a@example.com>\r\nRCPT TO:<b@evil.test"))
      << "nothing that ends an SMTP command";
  EXPECT_FALSE(mailable_address("a@example.com\nBcc: b@evil.test"));
  EXPECT_FALSE(mailable_address("\"quoted\"@example.com"));
  EXPECT_FALSE(mailable_address("ädä@example.com")) << "ASCII only (no SMTPUTF8)";
  EXPECT_FALSE(mailable_address(std::string(65, 'a') + "@example.com"));
  EXPECT_FALSE(mailable_address("a@" + std::string(250, 'b') + ".com"));
}

TEST(Mail, HeaderTextIsPlainAsciiOrEncodedWordsAndNeverEndsALine) {
  EXPECT_EQ(header_text("Your chat transcript"), "Your chat transcript");
  EXPECT_EQ(header_text("Hi\r\nBcc: x@evil.test"), "Hi  Bcc: x@evil.test");
  EXPECT_EQ(header_text("Café"), "=?UTF-8?B?Q2Fmw6k=?=");
  const auto long_one = header_text(std::string(30, 'a') + "é" + std::string(60, 'b'));
  EXPECT_NE(long_one.find("\r\n =?UTF-8?B?"), std::string::npos) << "folded into several words";
  for (std::size_t at = 0; (at = long_one.find("\r\n", at)) != std::string::npos; at += 2) {
    EXPECT_EQ(long_one[at + 2], ' ') << "every fold continues the header";
  }
  EXPECT_EQ(header_text("x\r\ny\xC3\xA9").find('\n'), std::string::npos) << "a short one: one word";
}

TEST(Mail, DatesAreRfc5322InUtc) {
  EXPECT_EQ(mail_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(mail_date(1796230714000), "Wed, 02 Dec 2026 16:58:34 +0000");
}

TEST(Mail, ComposedMailHasItsHeadersAndABase64Body) {
  mail_message m;
  m.from = "support@example.com";
  m.from_name = "Acme \"Support\"";
  m.to = "ada@example.org";
  m.subject = "Your chat transcript";
  m.body = "line one\nline two é\n" + std::string(200, 'x');
  m.message_id = "<abc@example.com>";
  m.date_ms = 0;
  m.automatic = true;
  const auto mail = compose_mail(m);
  EXPECT_EQ(mail.rfind("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n", 0), 0U);
  EXPECT_NE(mail.find("\r\nFrom: \"Acme 'Support'\" <support@example.com>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\nTo: <ada@example.org>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\nSubject: Your chat transcript\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\nMessage-ID: <abc@example.com>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\nContent-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\nAuto-Submitted: auto-generated\r\n"), std::string::npos);
  EXPECT_EQ(mail.find("Reply-To"), std::string::npos);
  EXPECT_EQ(body_of(mail), "line one\r\nline two é\r\n" + std::string(200, 'x'));
  // Every line within SMTP's limit, and every line ending a CRLF.
  std::size_t start = 0;
  for (std::size_t nl = 0; (nl = mail.find('\n', start)) != std::string::npos; start = nl + 1) {
    EXPECT_GT(nl, 0U);
    EXPECT_EQ(mail[nl - 1], '\r');
    EXPECT_LE(nl - start, 998U);
  }
  m.automatic = false;
  m.reply_to = "agent@example.com";
  const auto reply = compose_mail(m);
  EXPECT_EQ(reply.find("Auto-Submitted"), std::string::npos) << "a person's reply";
  EXPECT_NE(reply.find("\r\nReply-To: <agent@example.com>\r\n"), std::string::npos);
}

}  // namespace
}  // namespace lc::core
