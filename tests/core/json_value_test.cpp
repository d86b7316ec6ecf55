#include "server/core/json_value.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "server/core/json.hpp"

namespace lc::core {
namespace {

using namespace std::string_literals;

json_value parse_ok(std::string_view text) {
  std::string error;
  auto v = parse_json(text, &error);
  EXPECT_TRUE(v.has_value()) << "'" << text << "': " << error;
  return v ? std::move(*v) : json_value();
}

// The reason, so each rejection test also shows which check refused it.
std::string parse_error(std::string_view text) {
  std::string error;
  auto v = parse_json(text, &error);
  EXPECT_FALSE(v.has_value()) << "'" << text << "' was accepted";
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(parse_json, scalars_at_the_top) {
  EXPECT_TRUE(parse_ok("null").is_null());
  EXPECT_TRUE(parse_ok("true").as_bool());
  EXPECT_TRUE(parse_ok("false").is_bool());
  EXPECT_FALSE(parse_ok("false").as_bool());
  EXPECT_EQ(parse_ok("\"x\"").as_string(), "x");
  EXPECT_DOUBLE_EQ(parse_ok("1.5").as_double(), 1.5);
  EXPECT_TRUE(parse_ok(" \t\r\n 7 \n").is_number());
}

TEST(parse_json, object_keeps_member_order_and_finds_keys) {
  const auto v = parse_ok(R"({"b":1,"a":[true,null,"s"],"c":{"d":-2}})");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].first, "b");
  EXPECT_EQ(v.members()[1].first, "a");
  EXPECT_EQ(v.members()[2].first, "c");
  ASSERT_NE(v.find("a"), nullptr);
  ASSERT_TRUE(v.find("a")->is_array());
  ASSERT_EQ(v.find("a")->items().size(), 3u);
  EXPECT_TRUE(v.find("a")->items()[0].as_bool());
  EXPECT_TRUE(v.find("a")->items()[1].is_null());
  EXPECT_EQ(v.find("a")->items()[2].as_string(), "s");
  EXPECT_EQ(v.find("c")->find("d")->as_int64(), -2);
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(parse_json, empty_containers) {
  EXPECT_TRUE(parse_ok("{}").members().empty());
  EXPECT_TRUE(parse_ok("{ }").is_object());
  EXPECT_TRUE(parse_ok("[]").items().empty());
  EXPECT_TRUE(parse_ok("[ ]").is_array());
  EXPECT_EQ(parse_ok(R"({"":1})").find("")->as_int64(), 1);
}

TEST(parse_json, accessors_of_the_wrong_kind_answer_empty) {
  const auto v = parse_ok("[1]");
  EXPECT_EQ(v.find("x"), nullptr);
  EXPECT_EQ(v.as_string(), "");
  EXPECT_TRUE(v.members().empty());
  EXPECT_FALSE(v.as_bool());
  EXPECT_EQ(v.as_double(), 0.0);
  EXPECT_FALSE(v.as_int64().has_value());
  EXPECT_TRUE(parse_ok("{}").items().empty());
  EXPECT_FALSE(parse_ok("\"1\"").is_integer());
}

TEST(parse_json, integers_are_exact_in_int64) {
  EXPECT_EQ(parse_ok("0").as_int64(), 0);
  EXPECT_EQ(parse_ok("-0").as_int64(), 0);
  EXPECT_EQ(parse_ok("9007199254740993").as_int64(), 9007199254740993);  // 2^53 + 1
  EXPECT_EQ(parse_ok("9223372036854775807").as_int64(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_ok("-9223372036854775808").as_int64(), std::numeric_limits<std::int64_t>::min());
  // Past int64 it is still a number, just not an exact integer.
  const auto big = parse_ok("9223372036854775808");
  EXPECT_TRUE(big.is_number());
  EXPECT_FALSE(big.is_integer());
  EXPECT_DOUBLE_EQ(big.as_double(), 9223372036854775808.0);
  // A fraction or exponent makes it no integer literal, even when the value is integral.
  EXPECT_FALSE(parse_ok("1.0").is_integer());
  EXPECT_FALSE(parse_ok("1e3").is_integer());
  EXPECT_DOUBLE_EQ(parse_ok("1e3").as_double(), 1000.0);
}

TEST(parse_json, number_forms) {
  EXPECT_DOUBLE_EQ(parse_ok("-0.25").as_double(), -0.25);
  EXPECT_DOUBLE_EQ(parse_ok("2.5E+2").as_double(), 250.0);
  EXPECT_DOUBLE_EQ(parse_ok("25e-1").as_double(), 2.5);
  EXPECT_DOUBLE_EQ(parse_ok("0e0").as_double(), 0.0);
  EXPECT_DOUBLE_EQ(parse_ok("1.7976931348623157e308").as_double(),
                   std::numeric_limits<double>::max());
}

TEST(parse_json, string_escapes) {
  EXPECT_EQ(parse_ok(R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(parse_ok(R"("\u0041\u00e9\u20AC")").as_string(), "Aé€");
  EXPECT_EQ(parse_ok(R"("\ud83d\ude00")").as_string(), "😀");  // surrogate pair
  EXPECT_EQ(parse_ok(R"("\u0000")").as_string(), "\0"s);
  EXPECT_EQ(parse_ok("\"Grüße 😀\"").as_string(), "Grüße 😀");
  EXPECT_EQ(parse_ok("\"\x7f\"").as_string(), "\x7f");  // DEL is no control character in JSON
}

TEST(parse_json, rejects_trailing_commas) {
  parse_error("[1,]");
  parse_error(R"({"a":1,})");
  parse_error("[,1]");
  parse_error("[1,,2]");
  parse_error("{,}");
}

TEST(parse_json, rejects_malformed_numbers) {
  EXPECT_NE(parse_error("01").find("leading zero"), std::string::npos);
  parse_error("-01");
  parse_error("00");
  parse_error("+1");
  parse_error("-");
  parse_error(".5");
  parse_error("1.");
  parse_error("1.e3");
  parse_error("1e");
  parse_error("1e+");
  parse_error("0x10");
  parse_error("1_000");
}

TEST(parse_json, rejects_nan_infinity_and_out_of_range) {
  parse_error("NaN");
  parse_error("Infinity");
  parse_error("-Infinity");
  parse_error("[nan]");
  EXPECT_NE(parse_error("1e400").find("out of range"), std::string::npos);
  parse_error("-1e400");
  parse_error("1e-400");
}

TEST(parse_json, rejects_control_characters_in_strings) {
  EXPECT_NE(parse_error("\"a\nb\"").find("control character"), std::string::npos);
  parse_error("\"\t\"");
  parse_error("\"\x01\"");
  parse_error("\"a\0b\""s);
}

TEST(parse_json, rejects_bad_escapes) {
  EXPECT_NE(parse_error(R"("\x41")").find("invalid escape"), std::string::npos);
  parse_error(R"("\a")");
  parse_error(R"("\')");
  parse_error(R"("\U0041")");
  parse_error(R"("\u12")");
  parse_error(R"("\u12g4")");
  parse_error(R"("\u)");
  parse_error(R"("\)");
  parse_error("\"abc");
}

TEST(parse_json, rejects_lone_surrogates) {
  EXPECT_NE(parse_error(R"("\ud83d")").find("lone high surrogate"), std::string::npos);
  EXPECT_NE(parse_error(R"("\ude00")").find("lone low surrogate"), std::string::npos);
  parse_error(R"("\ud83dx")");
  parse_error(R"("\ud83d\n")");
  parse_error(R"("\ud83d\ud83d")");  // two highs
  parse_error(R"("\ude00\ud83d")");  // reversed pair
}

TEST(parse_json, rejects_invalid_utf8) {
  EXPECT_NE(parse_error("\"\xff\"").find("UTF-8"), std::string::npos);
  parse_error("\"\xc3\"");              // truncated sequence
  parse_error("\"\xc0\xaf\"");          // overlong '/'
  parse_error("\"\xed\xa0\x80\"");      // a surrogate encoded raw
  parse_error("\"\xf4\x90\x80\x80\"");  // above U+10FFFF
  parse_error("{\"\xff\":1}");          // in a key too
}

TEST(parse_json, rejects_nesting_past_the_depth_limit) {
  const auto nested = [](int depth, char open, char close) {
    return std::string(static_cast<std::size_t>(depth), open) +
           std::string(static_cast<std::size_t>(depth), close);
  };
  parse_ok(nested(json_max_depth, '[', ']'));
  EXPECT_NE(parse_error(nested(json_max_depth + 1, '[', ']')).find("too deep"), std::string::npos);
  std::string objects;
  for (int i = 0; i < json_max_depth; ++i) objects += R"({"a":)";
  parse_ok(objects + "1" + std::string(json_max_depth, '}'));
  parse_error(objects + R"({"a":1})" + std::string(json_max_depth, '}'));
  // The bomb: refused at the limit without recursing through a hundred thousand levels.
  parse_error(std::string(100'000, '['));
  parse_error(nested(100'000, '[', ']'));
}

TEST(parse_json, rejects_duplicate_keys) {
  EXPECT_NE(parse_error(R"({"a":1,"a":2})").find("duplicate key"), std::string::npos);
  parse_error(R"({"a":1,"b":2,"a":1})");
  parse_error(R"({"a":1,"\u0061":2})");      // equal after unescaping
  parse_ok(R"({"a":{"a":1},"b":{"a":2}})");  // the same key in different objects is fine
}

TEST(parse_json, rejects_trailing_data) {
  EXPECT_NE(parse_error("{} {}").find("after the value"), std::string::npos);
  parse_error("1 2");
  parse_error("[1]]");
  parse_error("null,");
  parse_error("true false");
  parse_error("{}\0"s);
}

TEST(parse_json, rejects_other_malformed_documents) {
  parse_error("");
  parse_error("   ");
  parse_error("\xef\xbb\xbf{}");  // a byte order mark
  parse_error("{\"a\" 1}");
  parse_error("{a:1}");
  parse_error("{'a':1}");
  parse_error("{1:1}");
  parse_error("[1 2]");
  parse_error("[1");
  parse_error("{\"a\":1");
  parse_error("{\"a\":}");
  parse_error("tru");
  parse_error("nul");
  parse_error("True");
  parse_error("nulll");
  parse_error("// comment\n{}");
  parse_error("[1] /* comment */");
  parse_error("\"a\" \v");  // vertical tab is no JSON whitespace
}

TEST(parse_json, error_names_the_offset) {
  std::string error;
  EXPECT_FALSE(parse_json("[1,]", &error));
  EXPECT_EQ(error, "unexpected character at byte 3");
  EXPECT_FALSE(parse_json("[1,2,3"));  // the error text is optional
}

TEST(parse_json, round_trips_what_json_writer_writes) {
  json_writer w;
  w.begin_object()
      .key("text")
      .value("quote \" backslash \\ newline \n tab \t ctl \x01 del \x7f Grüße 😀")
      .key("int")
      .value(std::int64_t{-9'007'199'254'740'993})
      .key("uint")
      .value(std::uint64_t{42})
      .key("double")
      .value(0.1)
      .key("big")
      .value(1e300)
      .key("nan")
      .value(std::numeric_limits<double>::quiet_NaN())
      .key("flag")
      .value(true)
      .key("none")
      .null()
      .key("list")
      .begin_array()
      .value("a")
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .end_object();
  const auto v = parse_ok(w.str());
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.find("text")->as_string(),
            "quote \" backslash \\ newline \n tab \t ctl \x01 del \x7f Grüße 😀");
  EXPECT_EQ(v.find("int")->as_int64(), -9'007'199'254'740'993);
  EXPECT_EQ(v.find("uint")->as_int64(), 42);
  EXPECT_EQ(v.find("double")->as_double(), 0.1);  // shortest round-trip form: exact
  EXPECT_EQ(v.find("big")->as_double(), 1e300);
  EXPECT_TRUE(v.find("nan")->is_null());
  EXPECT_TRUE(v.find("flag")->as_bool());
  EXPECT_TRUE(v.find("none")->is_null());
  const auto& list = v.find("list")->items();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].as_string(), "a");
  EXPECT_TRUE(list[1].is_object());
  EXPECT_TRUE(list[2].is_array());
  EXPECT_EQ(json_quote(parse_ok(json_quote("\x1f\"é")).as_string()), json_quote("\x1f\"é"));
  // json_error's shape, as a REST client would read it.
  const auto e = parse_ok(json_error("bad_request", "no \"id\""));
  EXPECT_EQ(e.find("error")->find("code")->as_string(), "bad_request");
  EXPECT_EQ(e.find("error")->find("message")->as_string(), "no \"id\"");
}

}  // namespace
}  // namespace lc::core
