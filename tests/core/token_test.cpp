#include "server/core/token.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace lc::core {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

constexpr std::string_view secret = "s3cret-key";
constexpr std::int64_t now = 1'700'000'000;
constexpr const char* visitor_id = "v0123456789abcdef01234567";

agent_claims sample_agent() {
  agent_claims c;
  c.agent_id = "agent-7";
  c.display_name = "Ada Lovelace";
  c.departments = {"billing", "sales"};
  c.capacity = 4;
  c.expires_at_s = now + 3600;
  return c;
}

// Replaces one character of `s` at `pos` with a different base64url character.
std::string flip(std::string s, std::size_t pos) {
  s[pos] = s[pos] == 'A' ? 'B' : 'A';
  return s;
}

TEST(base64url, known_vectors_without_padding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");  // the two url-safe characters
}

TEST(base64url, round_trips_all_byte_values) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const auto part = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part);
  }
  EXPECT_EQ(base64url_decode(base64url_encode(all)), all);
}

TEST(base64url, decode_rejects_invalid_input) {
  EXPECT_FALSE(base64url_decode("Zg=="));  // padding is not part of the format
  EXPECT_FALSE(base64url_decode("Zm+v"));  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm/v"));
  EXPECT_FALSE(base64url_decode("Zm9 v"));
  EXPECT_FALSE(base64url_decode("Z"));   // a lone character is not a byte
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero leftover bits: not canonical
  EXPECT_FALSE(base64url_decode("Zm9\x80"));
  EXPECT_EQ(base64url_decode(""), "");
}

TEST(token, agent_round_trip) {
  const auto c = sample_agent();
  const auto token = sign_agent_token(c, secret);
  EXPECT_EQ(token.rfind("lca1.", 0), 0u);
  const auto v = verify_agent_token(token, secret, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->agent_id, c.agent_id);
  EXPECT_EQ(v->display_name, c.display_name);
  EXPECT_EQ(v->departments, c.departments);
  EXPECT_EQ(v->capacity, c.capacity);
  EXPECT_EQ(v->role, staff_role::agent);
  EXPECT_EQ(v->expires_at_s, c.expires_at_s);
}

TEST(token, admin_flag_and_no_departments_round_trip) {
  auto c = sample_agent();
  c.role = staff_role::admin;
  c.departments.clear();
  c.capacity = 0;
  const auto v = verify_agent_token(sign_agent_token(c, secret), secret, now);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->admin());
  EXPECT_TRUE(v->departments.empty());
  EXPECT_EQ(v->capacity, 0u);
}

TEST(token, separators_inside_claims_cannot_forge_claims) {
  auto c = sample_agent();
  c.display_name = "Eve\n1\n1\n1";
  const auto v = verify_agent_token(sign_agent_token(c, secret), secret, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->display_name, c.display_name);
  EXPECT_EQ(v->role, staff_role::agent);
}

// Ids in tokens become key parts: a signed token with a malformed id is refused as a whole.
TEST(token, ids_must_follow_their_grammar) {
  auto c = sample_agent();
  c.agent_id = "zed:convs";
  EXPECT_FALSE(verify_agent_token(sign_agent_token(c, secret), secret, now));
  c = sample_agent();
  c.departments = {"a,admin", "100%"};
  EXPECT_FALSE(verify_agent_token(sign_agent_token(c, secret), secret, now));
  EXPECT_FALSE(verify_visitor_token(sign_visitor_token({"v-123", now + 60}, secret), secret, now));
  EXPECT_FALSE(verify_visitor_token(
      sign_visitor_token({std::string(visitor_id) + ":convs", now + 60}, secret), secret, now));
}

TEST(token, issued_at_round_trips) {
  auto c = sample_agent();
  c.issued_at_ms = 1'700'000'000'123;
  const auto v = verify_agent_token(sign_agent_token(c, secret), secret, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->issued_at_ms, c.issued_at_ms);
}

TEST(token, visitor_round_trip) {
  const auto token = sign_visitor_token({visitor_id, now + 60}, secret);
  EXPECT_EQ(token.rfind("lcv1.", 0), 0u);
  const auto v = verify_visitor_token(token, secret, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->visitor_id, visitor_id);
  EXPECT_EQ(v->expires_at_s, now + 60);
}

TEST(token, other_secret_fails) {
  EXPECT_FALSE(verify_agent_token(sign_agent_token(sample_agent(), secret), "other", now));
  EXPECT_FALSE(
      verify_visitor_token(sign_visitor_token({visitor_id, now + 60}, secret), "other", now));
}

TEST(token, empty_secret_still_signs_and_differs) {
  const auto token = sign_visitor_token({visitor_id, now + 60}, "");
  EXPECT_TRUE(verify_visitor_token(token, "", now));
  EXPECT_FALSE(verify_visitor_token(token, secret, now));
}

TEST(token, kinds_do_not_cross) {
  const auto agent = sign_agent_token(sample_agent(), secret);
  const auto visitor = sign_visitor_token({visitor_id, now + 60}, secret);
  EXPECT_FALSE(verify_visitor_token(agent, secret, now));
  EXPECT_FALSE(verify_agent_token(visitor, secret, now));
  // Relabelling the kind breaks the MAC, since the kind is signed too.
  EXPECT_FALSE(verify_agent_token("lca1" + visitor.substr(4), secret, now));
  EXPECT_FALSE(verify_visitor_token("lcv1" + agent.substr(4), secret, now));
}

TEST(token, tampered_payload_fails) {
  auto c = sample_agent();
  const auto token = sign_agent_token(c, secret);
  EXPECT_FALSE(verify_agent_token(flip(token, 6), secret, now));
  // A well-formed payload granting admin, with the original MAC.
  c.role = staff_role::admin;
  const auto forged = sign_agent_token(c, "attacker");
  const auto payload_end = forged.rfind('.');
  const auto mac = token.substr(token.rfind('.'));
  EXPECT_FALSE(verify_agent_token(forged.substr(0, payload_end) + mac, secret, now));
}

TEST(token, tampered_mac_fails) {
  const auto token = sign_visitor_token({visitor_id, now + 60}, secret);
  EXPECT_FALSE(verify_visitor_token(flip(token, token.size() - 2), secret, now));
  EXPECT_FALSE(verify_visitor_token(token.substr(0, token.size() - 1), secret, now));
  EXPECT_FALSE(verify_visitor_token(token + "A", secret, now));
  EXPECT_FALSE(verify_visitor_token(token.substr(0, token.rfind('.') + 1), secret, now));
}

TEST(token, expiry_boundary) {
  const auto token = sign_visitor_token({visitor_id, now}, secret);
  EXPECT_TRUE(verify_visitor_token(token, secret, now - 1));
  EXPECT_FALSE(verify_visitor_token(token, secret, now));
  EXPECT_FALSE(verify_visitor_token(token, secret, now + 1));
  auto c = sample_agent();
  c.expires_at_s = now;
  const auto agent = sign_agent_token(c, secret);
  EXPECT_TRUE(verify_agent_token(agent, secret, now - 1));
  EXPECT_FALSE(verify_agent_token(agent, secret, now));
}

TEST(token, empty_identity_fails) {
  auto c = sample_agent();
  c.agent_id.clear();
  EXPECT_FALSE(verify_agent_token(sign_agent_token(c, secret), secret, now));
  EXPECT_FALSE(verify_visitor_token(sign_visitor_token({"", now + 60}, secret), secret, now));
}

TEST(token, garbage_fails) {
  for (std::string_view g : {""sv, "."sv, ".."sv, "lca1"sv, "lca1.."sv, "lca1.a.b"sv,
                             "lca1.a.b.c"sv, "xxxx.yyyy.zzzz"sv, "lca1.!!!.???"sv}) {
    EXPECT_FALSE(verify_agent_token(g, secret, now)) << g;
    EXPECT_FALSE(verify_visitor_token(g, secret, now)) << g;
  }
}

// Signs an arbitrary payload the way the token format does, to reach the payload parser.
std::string sign_raw(std::string_view kind, const std::string& payload) {
  const std::string signed_part = std::string(kind) + "." + base64url_encode(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &len);
  return signed_part + "." + base64url_encode({reinterpret_cast<const char*>(mac), len});
}

TEST(token, malformed_payload_fails_even_when_signed) {
  const auto good = sign_visitor_token({visitor_id, now + 60}, secret);
  EXPECT_TRUE(verify_visitor_token(good, secret, now));
  // Payloads a buggy signer might produce: wrong field count, non-numbers, bad escapes.
  for (const std::string& payload :
       {"v"s, "v\n"s, "v\n12x"s, "v\n1\n2"s, "v%zz\n9999999999"s, "v\n+5"s}) {
    EXPECT_FALSE(verify_visitor_token(sign_raw("lcv1", payload), secret, now)) << payload;
  }
  for (const std::string& payload :
       {"a\nn\nd\n1\n0\n9999999999"s, "a\nn\nd\nx\n0\n9999999999\n0"s,
        "a\nn\nd\n1\n3\n9999999999\n0"s, "a\nn\nd,,e\n1\n0\n9999999999\n0"s,
        "a\nn\nd\n-1\n0\n9999999999\n0"s, "a\nn\nd\n1\n0\n9999999999\nx"s}) {
    EXPECT_FALSE(verify_agent_token(sign_raw("lca1", payload), secret, now)) << payload;
  }
  EXPECT_TRUE(verify_agent_token(sign_raw("lca1", "a\nn\nd,e\n1\n0\n9999999999\n0"), secret, now));
}

TEST(token, supervisor_role_round_trips_and_unknown_roles_fail) {
  auto c = sample_agent();
  c.role = staff_role::supervisor;
  const auto v = verify_agent_token(sign_agent_token(c, secret), secret, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->role, staff_role::supervisor);
  EXPECT_TRUE(v->supervises());
  EXPECT_FALSE(v->admin());
  for (auto r : {staff_role::agent, staff_role::supervisor, staff_role::admin}) {
    EXPECT_EQ(parse_role(role_name(r)), r);
  }
  EXPECT_FALSE(parse_role("root"));
  EXPECT_FALSE(parse_role(""));
}

}  // namespace
}  // namespace lc::core
