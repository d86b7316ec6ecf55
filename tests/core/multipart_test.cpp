#include "server/core/multipart.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

using namespace std::string_literals;

const std::string boundary = "----WebKitFormBoundaryX3";

// A body as a browser's FormData sends it: a field, the file, another field.
std::string body(const std::string& file, const std::string& filename = "cat.png") {
  return "--" + boundary + "\r\n" + "Content-Disposition: form-data; name=\"caption\"\r\n\r\n" +
         "look\r\n" + "--" + boundary + "\r\n" +
         "Content-Disposition: form-data; name=\"upload\"; filename=\"" + filename + "\"\r\n" +
         "Content-Type: image/png\r\n\r\n" + file + "\r\n--" + boundary + "\r\n" +
         "Content-Disposition: form-data; name=\"x\"\r\n\r\n" + "y\r\n--" + boundary + "--\r\n";
}

// Feeds `b` in pieces of `step` bytes; the file's bytes, or nothing when the reader refused.
std::optional<std::string> read(multipart_reader& r, const std::string& b, std::size_t step) {
  std::string out;
  for (std::size_t at = 0; at < b.size(); at += step) {
    if (!r.feed(std::string_view(b).substr(at, step), out)) return std::nullopt;
  }
  return out;
}

TEST(Multipart, TheBoundaryComesFromTheContentType) {
  EXPECT_EQ(multipart_reader::boundary_of("multipart/form-data; boundary=" + boundary), boundary);
  EXPECT_EQ(multipart_reader::boundary_of("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipart_reader::boundary_of("multipart/form-data; charset=x; boundary=z; q=1"), "z");
  EXPECT_FALSE(multipart_reader::boundary_of("multipart/mixed; boundary=z"));
  EXPECT_FALSE(multipart_reader::boundary_of("image/png"));
  EXPECT_FALSE(multipart_reader::boundary_of("multipart/form-data"));
  EXPECT_FALSE(
      multipart_reader::boundary_of("multipart/form-data; boundary=" + std::string(71, 'a')));
  EXPECT_FALSE(multipart_reader::boundary_of("multipart/form-data; boundary=\"a\r\nb\""));
}

TEST(Multipart, TheFilePartsBytesComeOutWhateverThePieces) {
  // Bytes that look almost like a delimiter, CRLFs and NULs: all are the file's.
  const std::string file =
      "\x89PNG\r\n--" + boundary.substr(0, 10) + "\0\r\n-"s + std::string(5000, 'z') + "\r\n--";
  for (std::size_t step : {1UL, 2UL, 7UL, 64UL, 100000UL}) {
    multipart_reader r(boundary);
    const auto got = read(r, body(file), step);
    ASSERT_TRUE(got) << step;
    EXPECT_EQ(*got, file) << step;
    EXPECT_TRUE(r.complete());
    EXPECT_EQ(r.filename(), "cat.png");
    EXPECT_EQ(r.part_type(), "image/png");
  }
}

TEST(Multipart, OnlyTheFirstFileCountsAndNamesAreUnquoted) {
  std::string b =
      "--" + boundary + "\r\n" +
      "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".txt\"\r\n\r\n" +
      "one\r\n--" + boundary + "\r\n" +
      "Content-Disposition: form-data; name=\"file\"; filename=\"b.txt\"\r\n\r\n" + "two\r\n--" +
      boundary + "--";
  multipart_reader r(boundary);
  EXPECT_EQ(read(r, b, 3), "one");
  EXPECT_EQ(r.filename(), "a \"q\".txt");
  EXPECT_TRUE(r.complete());
}

TEST(Multipart, APartNamedFileWithoutAFilenameAndAPreambleAndPadding) {
  std::string b = "preamble to ignore\r\n--" + boundary + " \t\r\n" +
                  "content-disposition: form-data; name=\"file\"\r\n\r\n" + "data" + "\r\n--" +
                  boundary + "--  \r\nepilogue";
  multipart_reader r(boundary);
  EXPECT_EQ(read(r, b, 5), "data");
  EXPECT_EQ(r.filename(), "file");
  EXPECT_TRUE(r.complete());
}

TEST(Multipart, MalformedOrFilelessBodiesAreNotComplete) {
  {
    multipart_reader r(boundary);
    EXPECT_FALSE(read(r, "--" + boundary + "X\r\n", 4)) << "junk after a delimiter";
  }
  {
    multipart_reader r(boundary);
    EXPECT_FALSE(read(r, "--" + boundary + "\r\n" + std::string(9000, 'h'), 512))
        << "a part head over 8 KiB";
  }
  {
    multipart_reader r(boundary);
    auto got =
        read(r,
             "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--" +
                 boundary + "--",
             8);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "");
    EXPECT_FALSE(r.complete()) << "no file in it";
  }
  {
    multipart_reader r(boundary);
    auto got = read(r, body("abc").substr(0, 150), 10);
    ASSERT_TRUE(got);
    EXPECT_FALSE(r.complete()) << "cut short";
  }
}

}  // namespace
}  // namespace lc::core
