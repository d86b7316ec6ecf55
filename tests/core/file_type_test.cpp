#include "server/core/file_type.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

using namespace std::string_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24U), static_cast<char>(v >> 16U), static_cast<char>(v >> 8U),
          static_cast<char>(v)};
}

std::string png(std::uint32_t w, std::uint32_t h) {
  return "\x89PNG\r\n\x1a\n"s + "\0\0\0\x0dIHDR"s + be32(w) + be32(h) + "\x08\x06\0\0\0"s;
}

std::string jpeg(std::uint16_t w, std::uint16_t h) {
  // SOI, an APP0 segment to skip, then a baseline frame header.
  std::string s = "\xFF\xD8"s + "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"s;
  s += "\xFF\xC0\x00\x11\x08"s;
  s += {static_cast<char>(h >> 8U), static_cast<char>(h), static_cast<char>(w >> 8U),
        static_cast<char>(w)};
  return s + "\x03\x01\x22\x00"s;
}

TEST(FileType, SniffsByMagicBytesNotByName) {
  EXPECT_EQ(sniff_file_type(png(1, 1), "cat.pdf"), "image/png");
  EXPECT_EQ(sniff_file_type(jpeg(2, 2), "x"), "image/jpeg");
  EXPECT_EQ(sniff_file_type("GIF89a\x01\x00\x01\x00"s, "a.png"), "image/gif");
  EXPECT_EQ(sniff_file_type("RIFF\x10\0\0\0WEBPVP8 "s, ""), "image/webp");
  EXPECT_EQ(sniff_file_type("%PDF-1.7\n", "invoice"), "application/pdf");
  EXPECT_EQ(sniff_file_type("\x1f\x8b\x08\x00"s, "logs.tgz"), "application/gzip");
  EXPECT_EQ(sniff_file_type("\0\0\0\x18"
                            "ftypheic"s,
                            "IMG_1.HEIC"),
            "image/heic");
  EXPECT_EQ(sniff_file_type("\0\0\0\x18"
                            "ftypisom"s,
                            "clip.mp4"),
            "video/mp4");
  EXPECT_EQ(sniff_file_type("\x7f"
                            "ELF\x02\x01"s,
                            "run.txt"),
            "application/octet-stream");
}

TEST(FileType, ZipContainersTakeTheirTypeFromTheExtension) {
  EXPECT_EQ(sniff_file_type("PK\x03\x04rest"s, "Report.DOCX"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(sniff_file_type("PK\x03\x04rest"s, "sheet.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(sniff_file_type("PK\x03\x04rest"s, "bundle.zip"), "application/zip");
  EXPECT_EQ(sniff_file_type("PK\x03\x04rest"s, "no-extension"), "application/zip");
}

TEST(FileType, MarkupIsFoundWhateverTheNameSays) {
  EXPECT_EQ(sniff_file_type("  <svg xmlns='http://www.w3.org/2000/svg'><script/>", "a.png"),
            "image/svg+xml");
  EXPECT_EQ(sniff_file_type("\xEF\xBB\xBF<?xml version='1.0'?><svg>"s, "a.txt"), "image/svg+xml");
  EXPECT_EQ(sniff_file_type("<!DOCTYPE html><p>hi", "notes.txt"), "text/html");
  EXPECT_EQ(sniff_file_type("\n<SCRIPT>alert(1)</SCRIPT>", "x.csv"), "text/html");
  EXPECT_EQ(sniff_file_type("<?xml version='1.0'?><a/>", "feed"), "application/xml");
}

TEST(FileType, TextByContentAndActiveTypesByName) {
  EXPECT_EQ(sniff_file_type("hello\r\nworld\t1", "notes.log"), "text/plain");
  EXPECT_EQ(sniff_file_type("a,b\n1,2\n", "data.CSV"), "text/csv");
  EXPECT_EQ(sniff_file_type("héllo", "x"), "text/plain");
  // A character cut by the end of the sniffed head is still text.
  EXPECT_EQ(sniff_file_type("abc\xC3"s, "x"), "text/plain");
  EXPECT_EQ(sniff_file_type("alert(1)", "app.js"), "text/javascript");
  EXPECT_EQ(sniff_file_type("just words", "page.html"), "text/html");
  EXPECT_EQ(sniff_file_type("nul\0inside"s, "a.txt"), "application/octet-stream");
  EXPECT_EQ(sniff_file_type("\xFF\xFE\xFD"s, "a.txt"), "application/octet-stream");
  EXPECT_EQ(sniff_file_type("", "empty.txt"), "text/plain");
}

TEST(FileType, ImageSizeFromEachHeader) {
  auto p = image_size(png(640, 480));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->width, 640U);
  EXPECT_EQ(p->height, 480U);
  auto j = image_size(jpeg(1024, 768));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->width, 1024U);
  EXPECT_EQ(j->height, 768U);
  auto g = image_size("GIF89a\x20\x01\x10\x00"s);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->width, 288U);
  EXPECT_EQ(g->height, 16U);
  // VP8X: canvas width-1 and height-1, 24 bits little-endian each.
  auto w = image_size("RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\x7f\x02\x00\xdf\x01\x00"s);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->width, 640U);
  EXPECT_EQ(w->height, 480U);
}

TEST(FileType, ImageSizeRefusesCutOrForeignHeaders) {
  EXPECT_FALSE(image_size(png(1, 1).substr(0, 20)));
  EXPECT_FALSE(image_size(jpeg(5, 5).substr(0, 26)));
  EXPECT_FALSE(image_size("\xFF\xD8\xFF\xE0\x00\x01"s));  // a segment length under 2
  EXPECT_FALSE(image_size("%PDF-1.4"));
  EXPECT_FALSE(image_size(""));
}

TEST(FileType, WildcardsNeverAdmitActiveTypes) {
  const std::vector<std::string> images{"image/*", "application/pdf"};
  EXPECT_TRUE(file_type_allowed("image/png", images));
  EXPECT_TRUE(file_type_allowed("application/pdf", images));
  EXPECT_FALSE(file_type_allowed("image/svg+xml", images));
  EXPECT_FALSE(file_type_allowed("text/plain", images));
  const std::vector<std::string> all{"*/*"};
  EXPECT_TRUE(file_type_allowed("application/zip", all));
  EXPECT_FALSE(file_type_allowed("text/html", all));
  EXPECT_TRUE(file_type_allowed("text/html", {"text/html"}));
  const std::vector<std::string> office{"application/vnd.oasis.opendocument.*"};
  EXPECT_TRUE(file_type_allowed("application/vnd.oasis.opendocument.text", office));
  EXPECT_FALSE(file_type_allowed("application/vnd.ms-excel", office));
  EXPECT_TRUE(file_type_allowed("video/mp4", default_file_types()));
  EXPECT_FALSE(file_type_allowed("image/svg+xml", default_file_types()));
  EXPECT_FALSE(file_type_allowed("application/octet-stream", default_file_types()));
  EXPECT_FALSE(file_type_allowed("image/png", {}));
}

TEST(FileType, MediaTypePatternsAnOperatorMayList) {
  for (auto ok : {"image/png", "image/*", "*/*", "application/vnd.oasis.opendocument.*",
                  "image/svg+xml", "text/x-c_src"}) {
    EXPECT_TRUE(is_media_type_pattern(ok)) << ok;
  }
  for (auto bad : {"", "image", "/png", "image/", "*", "image/*x", "Image/PNG", "a/b;c", "a b/c",
                   "*/png", "a/b/c"}) {
    EXPECT_FALSE(is_media_type_pattern(bad)) << bad;
  }
  EXPECT_EQ(parse_media_type_list(" image/* , application/pdf,"),
            (std::vector<std::string>{"image/*", "application/pdf"}));
  EXPECT_EQ(parse_media_type_list(""), std::vector<std::string>{});
  EXPECT_FALSE(parse_media_type_list("image/*,text"));
}

TEST(FileType, OnlyRasterImagesShowInline) {
  EXPECT_TRUE(shown_inline("image/jpeg"));
  EXPECT_FALSE(shown_inline("image/svg+xml"));
  EXPECT_FALSE(shown_inline("application/pdf"));
  EXPECT_FALSE(shown_inline("text/html"));
}

TEST(FileType, CleanNamesKeepTheLastSegmentAndNoHeaderBreakers) {
  EXPECT_EQ(clean_file_name("C:\\Users\\me\\scan.pdf"), "scan.pdf");
  EXPECT_EQ(clean_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(clean_file_name("a\r\nSet-Cookie: x\".txt"), "aSet-Cookie: x.txt");
  EXPECT_EQ(clean_file_name("  reçu.pdf "), "reçu.pdf");
  EXPECT_EQ(clean_file_name("bad\xFFname"s), "badname");
  EXPECT_EQ(clean_file_name(".."), "file");
  EXPECT_EQ(clean_file_name(""), "file");
  const std::string long_name = std::string(199, 'a') + "é.txt";
  EXPECT_EQ(clean_file_name(long_name), std::string(199, 'a'));
}

TEST(FileType, ContentDispositionEscapesEverythingButAttrChars) {
  EXPECT_EQ(content_disposition("a b.png", true),
            "inline; filename=\"a b.png\"; filename*=UTF-8''a%20b.png");
  EXPECT_EQ(content_disposition("reçu\\\"%.pdf", false),
            "attachment; filename=\"re__u___.pdf\"; filename*=UTF-8''re%C3%A7u%5C%22%25.pdf");
}

TEST(FileType, SizesAsPeopleReadThem) {
  EXPECT_EQ(file_size_text(1), "1 byte");
  EXPECT_EQ(file_size_text(812), "812 bytes");
  EXPECT_EQ(file_size_text(1024), "1.0 KB");
  EXPECT_EQ(file_size_text(4300), "4.2 KB");
  EXPECT_EQ(file_size_text(13ULL * 1024 * 1024), "13 MB");
  EXPECT_EQ(file_size_text(10189), "10 KB");
  EXPECT_EQ(file_size_text(3ULL << 40), "3072 GB");
}

TEST(FileType, PreviewsAreSmallRasterImages) {
  EXPECT_TRUE(acceptable_preview(png(160, 90)));
  EXPECT_TRUE(acceptable_preview(jpeg(200, 200)));
  EXPECT_FALSE(acceptable_preview(png(201, 10)));
  EXPECT_FALSE(acceptable_preview(png(0, 10)));
  EXPECT_FALSE(acceptable_preview("GIF89a\x10\x00\x10\x00"s));
  EXPECT_FALSE(acceptable_preview(png(10, 10) + std::string(max_preview_bytes, '\0')));
  EXPECT_FALSE(acceptable_preview("<svg/>"));
  EXPECT_FALSE(acceptable_preview(""));
}

}  // namespace
}  // namespace lc::core
