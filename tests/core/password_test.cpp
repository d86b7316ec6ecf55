#include "server/core/password.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <regex>
#include <string>

#include "server/core/token.hpp"

namespace lc::core {
namespace {

using namespace std::string_literals;

// A stored string for other parameters than hash_password's, as an older or newer release (or
// a tampered record) might hold.
std::string crafted(std::string_view password, std::uint32_t log_n, std::uint32_t r,
                    std::uint32_t p) {
  const std::string salt = "0123456789abcdef";
  std::array<unsigned char, 32> key{};
  EXPECT_EQ(EVP_PBE_scrypt(password.data(), password.size(),
                           reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                           1ULL << log_n, r, p, 256ULL << 20, key.data(), key.size()),
            1);
  return "scrypt$ln=" + std::to_string(log_n) + ",r=" + std::to_string(r) +
         ",p=" + std::to_string(p) + "$" + base64url_encode(salt) + "$" +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

// One hash shared by the tests that only need some valid stored string (each costs ~0.1 s).
const std::string& stored_hash() {
  static const std::string h = hash_password("correct horse battery staple");
  return h;
}

TEST(hash_password, self_describing_format) {
  static const std::regex shape(R"(scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43})");
  EXPECT_TRUE(std::regex_match(stored_hash(), shape)) << stored_hash();
}

TEST(hash_password, round_trip) {
  EXPECT_TRUE(verify_password("correct horse battery staple", stored_hash()));
}

TEST(hash_password, wrong_password_is_refused) {
  EXPECT_FALSE(verify_password("correct horse battery stapl", stored_hash()));
  EXPECT_FALSE(verify_password("Correct horse battery staple", stored_hash()));
  EXPECT_FALSE(verify_password("correct horse battery staple ", stored_hash()));
  EXPECT_FALSE(verify_password("", stored_hash()));
}

TEST(hash_password, same_password_twice_gives_different_hashes) {
  const auto again = hash_password("correct horse battery staple");
  EXPECT_NE(again, stored_hash());  // a fresh salt each time
  EXPECT_TRUE(verify_password("correct horse battery staple", again));
}

TEST(hash_password, any_bytes_round_trip) {
  const std::string longest(max_password_bytes, 'x');
  EXPECT_TRUE(verify_password(longest, hash_password(longest)));
  const auto binary = "nul\0inside"s;  // hashing is no policy check: bytes are bytes
  const auto h = hash_password(binary);
  EXPECT_TRUE(verify_password(binary, h));
  EXPECT_FALSE(verify_password("nul", h));
  EXPECT_TRUE(verify_password("", hash_password("")));
}

TEST(verify_password, accepts_other_parameters_within_bounds) {
  EXPECT_TRUE(verify_password("pw", crafted("pw", 10, 8, 1)));
  EXPECT_TRUE(verify_password("pw", crafted("pw", 12, 4, 2)));
  // The largest memory accepted (64 MiB) fits the maxmem verify passes to OpenSSL.
  EXPECT_TRUE(verify_password("pw", crafted("pw", 16, 8, 1)));
  EXPECT_FALSE(verify_password("px", crafted("pw", 10, 8, 1)));
}

TEST(verify_password, refuses_parameters_past_the_bounds_even_with_the_right_key) {
  // 4 MiB but just past four times the default work: correct, and still refused.
  EXPECT_FALSE(verify_password("pw", crafted("pw", 12, 8, 33)));
  EXPECT_FALSE(verify_password("pw", crafted("pw", 9, 8, 1)));  // below the floor
}

TEST(verify_password, refuses_expensive_parameters_without_computing_them) {
  const auto salt = base64url_encode("0123456789abcdef");
  const auto key = base64url_encode(std::string(32, 'k'));
  const auto start = std::chrono::steady_clock::now();
  for (const char* params :
       {"ln=30,r=8,p=1", "ln=17,r=8,p=1", "ln=15,r=8,p=16", "ln=15,r=1024,p=1", "ln=63,r=8,p=1",
        "ln=64,r=8,p=1", "ln=15,r=4294967295,p=1", "ln=15,r=8,p=99999999999", "ln=15,r=0,p=1",
        "ln=15,r=8,p=0", "ln=0,r=8,p=1"}) {
    EXPECT_FALSE(verify_password("pw", "scrypt$"s + params + "$" + salt + "$" + key)) << params;
  }
  // Refused by parsing alone: far less than one scrypt run.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST(verify_password, refuses_malformed_stored_strings) {
  const std::string salt = base64url_encode("0123456789abcdef");
  const std::string key = base64url_encode(std::string(32, 'k'));
  const std::string params = "ln=15,r=8,p=1";
  for (const std::string& stored : std::initializer_list<std::string>{
           "",
           "scrypt",
           "scrypt$",
           "scrypt$" + params,
           "scrypt$" + params + "$" + salt,
           "scrypt$" + params + "$" + salt + "$",
           "scrypt$" + params + "$$" + key,
           "scrypt$" + params + "$" + salt + "$" + key + "$",
           "scrypt$" + params + "$" + salt + "$" + key + "\n",
           "SCRYPT$" + params + "$" + salt + "$" + key,
           "bcrypt$" + params + "$" + salt + "$" + key,
           "$scrypt$" + params + "$" + salt + "$" + key,
           "scrypt$ln=015,r=8,p=1$" + salt + "$" + key,
           "scrypt$ln=+15,r=8,p=1$" + salt + "$" + key,
           "scrypt$ln=15,r=8$" + salt + "$" + key,
           "scrypt$r=8,ln=15,p=1$" + salt + "$" + key,
           "scrypt$ln=15,r=8,p=1,x=1$" + salt + "$" + key,
           "scrypt$ln=15, r=8,p=1$" + salt + "$" + key,
           "scrypt$ln=,r=8,p=1$" + salt + "$" + key,
           "scrypt$" + params + "$" + salt + "=$" + key,               // padding
           "scrypt$" + params + "$" + salt + "$" + key + "==",         // padding
           "scrypt$" + params + "$" + salt.substr(0, 20) + "$" + key,  // short salt
           "scrypt$" + params + "$" + base64url_encode(std::string(65, 's')) + "$" + key,
           "scrypt$" + params + "$" + salt + "$" + base64url_encode(std::string(31, 'k')),
           "scrypt$" + params + "$" + salt + "$" + base64url_encode(std::string(33, 'k')),
           "scrypt$" + params + "$" + salt + "$" + key.substr(0, 42) + "+",
       }) {
    EXPECT_FALSE(verify_password("pw", stored)) << stored;
  }
}

TEST(verify_password, refuses_a_tampered_salt_or_key) {
  const std::string& h = stored_hash();
  const auto salt_at = h.find('$', 7) + 1;
  const auto key_at = h.rfind('$') + 1;
  for (const auto at : {salt_at, key_at, h.size() - 2}) {
    std::string tampered = h;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_password("correct horse battery staple", tampered)) << tampered;
  }
}

TEST(password_acceptable, length_bounds_in_bytes) {
  std::string why;
  EXPECT_FALSE(password_acceptable("123456789", &why));
  EXPECT_NE(why.find("at least 10"), std::string::npos);
  EXPECT_TRUE(password_acceptable("1234567890"));
  EXPECT_TRUE(password_acceptable(std::string(max_password_bytes, 'a')));
  why.clear();
  EXPECT_FALSE(password_acceptable(std::string(max_password_bytes + 1, 'a'), &why));
  EXPECT_NE(why.find("1024"), std::string::npos);
  EXPECT_FALSE(password_acceptable(""));
  EXPECT_TRUE(password_acceptable("ééééé"));  // 5 characters, 10 bytes
}

TEST(password_acceptable, must_be_utf8) {
  std::string why;
  EXPECT_FALSE(password_acceptable("abcdefghij\xff", &why));
  EXPECT_NE(why.find("UTF-8"), std::string::npos);
  EXPECT_FALSE(password_acceptable("abcdefghij\xed\xa0\x80"));  // a surrogate
  EXPECT_TRUE(password_acceptable("pässwörd-😀"));
  EXPECT_TRUE(password_acceptable("with\0nul\0inside"s));  // valid UTF-8; nothing else asked
}

}  // namespace
}  // namespace lc::core
