#include "server/core/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace lc::core {
namespace {

using namespace std::string_literals;

TEST(json_quote, plain_text) {
  EXPECT_EQ(json_quote("abc"), "\"abc\"");
}

TEST(json_quote, escapes_quote_and_backslash) {
  EXPECT_EQ(json_quote(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(json_quote, escapes_named_control_characters) {
  EXPECT_EQ(json_quote("a\nb\tc\rd\be\ff"), R"("a\nb\tc\rd\be\ff")");
}

TEST(json_quote, escapes_other_control_characters_as_u00xx) {
  EXPECT_EQ(json_quote("\x01\x1f"), R"("\u0001\u001f")");
  EXPECT_EQ(json_quote("a\0b"s), R"("a\u0000b")");
}

TEST(json_quote, passes_utf8_through) {
  EXPECT_EQ(json_quote("Grüße 😀"), "\"Grüße 😀\"");
  EXPECT_EQ(json_quote("/"), "\"/\"");
}

TEST(json_writer, object_with_every_value_type) {
  json_writer w;
  w.begin_object()
      .key("s")
      .value("x")
      .key("i")
      .value(-5)
      .key("u")
      .value(std::uint64_t{18446744073709551615u})
      .key("big")
      .value(std::int64_t{-9223372036854775807 - 1})
      .key("d")
      .value(1.5)
      .key("t")
      .value(true)
      .key("f")
      .value(false)
      .key("n")
      .null()
      .end_object();
  EXPECT_EQ(w.str(),
            R"({"s":"x","i":-5,"u":18446744073709551615,"big":-9223372036854775808,"d":1.5,)"
            R"("t":true,"f":false,"n":null})");
}

TEST(json_writer, nested_containers_get_commas_between_siblings_only) {
  json_writer w;
  w.begin_object().key("a").begin_array();
  w.value(1).begin_object().end_object().begin_array().end_array().value("z");
  w.end_array().key("b").begin_object().key("c").value(2).end_object().end_object();
  EXPECT_EQ(w.str(), R"({"a":[1,{},[],"z"],"b":{"c":2}})");
}

TEST(json_writer, empty_containers) {
  json_writer w;
  w.begin_array().begin_array().end_array().begin_object().end_object().end_array();
  EXPECT_EQ(w.str(), "[[],{}]");
}

TEST(json_writer, keys_are_escaped) {
  json_writer w;
  w.begin_object().key("a\"b").value(1).end_object();
  EXPECT_EQ(w.str(), R"({"a\"b":1})");
}

TEST(json_writer, doubles_print_shortest) {
  json_writer w;
  w.begin_array().value(3.0).value(0.1).value(-2.5).value(1e21).value(0.0).end_array();
  EXPECT_EQ(w.str(), "[3,0.1,-2.5,1e+21,0]");
}

TEST(json_writer, non_finite_doubles_are_null) {
  json_writer w;
  w.begin_array()
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .value(1)
      .end_array();
  EXPECT_EQ(w.str(), "[null,null,null,1]");
}

TEST(json_writer, int_and_unsigned_overloads) {
  json_writer w;
  w.begin_array().value(7).value(7u).end_array();
  EXPECT_EQ(w.str(), "[7,7]");
}

TEST(json_error, shape) {
  EXPECT_EQ(json_error("NOT_FOUND", "no \"such\" thing"),
            R"({"error":{"code":"NOT_FOUND","message":"no \"such\" thing"}})");
}

}  // namespace
}  // namespace lc::core
