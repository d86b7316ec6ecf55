#include "server/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lc::core {
namespace {

using namespace std::string_literals;

TEST(utf8, accepts_ascii_and_empty) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello, world\n"));
}

TEST(utf8, accepts_nul_because_it_is_well_formed) {
  EXPECT_TRUE(is_valid_utf8("a\0b"s));
}

TEST(utf8, accepts_every_sequence_length_at_its_boundaries) {
  EXPECT_TRUE(is_valid_utf8("\x7f"));
  EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF, just below surrogates
  EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000, just above surrogates
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, largest code point
  EXPECT_TRUE(is_valid_utf8("Grüße, 日本, 😀"));
}

TEST(utf8, rejects_overlong_encodings) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // '/' in 2 bytes
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // U+007F in 2 bytes
  EXPECT_FALSE(is_valid_utf8("\xc0\x80"));          // NUL in 2 bytes (modified UTF-8)
  EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));      // U+07FF in 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));  // U+FFFF in 4 bytes
}

TEST(utf8, rejects_surrogates) {
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));              // U+D800
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));              // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\xbd\xed\xb8\x80"));  // CESU-8 pair for U+1F600
}

TEST(utf8, rejects_code_points_above_10ffff) {
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));  // old 5-byte form
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xfe"));
}

TEST(utf8, rejects_truncated_sequences) {
  EXPECT_FALSE(is_valid_utf8("\xc3"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));
  EXPECT_FALSE(is_valid_utf8("abc\xf0\x9f"));
  // Truncated in the middle: the next byte is not a continuation.
  EXPECT_FALSE(is_valid_utf8("\xe2\x82z"));
}

TEST(utf8, rejects_stray_continuation_bytes) {
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("a\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xc3\xa9\xa9"));  // é followed by an extra continuation
}

}  // namespace
}  // namespace lc::core
