#include "server/net/static_files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using lc::net::find_static_file;
using lc::net::static_lookup;

// A throwaway static root with a file and a symlink that points out of it.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/lcstatic-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    base_ = templ;
    root_ = base_ / "root";
    fs::create_directories(root_ / "docs");
    std::ofstream(root_ / "docs" / "a b.txt") << "x";
    std::ofstream(root_ / "docs.html") << "x";
    std::ofstream(base_ / "outside.txt") << "x";
    fs::create_symlink(base_ / "outside.txt", root_ / "escape.txt");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, DecodesPercentEscapes) {
  auto r = find_static_file(root_, "/docs/a%20b.txt?x=%zz");
  EXPECT_EQ(r.outcome, static_lookup::result::found);
  EXPECT_EQ(r.file, root_ / "docs" / "a b.txt");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
}

TEST_F(StaticFilesTest, FileBeatsDirectory) {
  // "/docs" is a directory without index.html, but docs.html exists.
  EXPECT_EQ(find_static_file(root_, "/docs").file, root_ / "docs.html");
  EXPECT_EQ(find_static_file(root_, "/docs/").outcome, static_lookup::result::not_found);
}

TEST_F(StaticFilesTest, RejectsBadPaths) {
  for (const char* target : {"/..", "/docs/../../outside.txt", "/%2e%2E/outside.txt", "/a%5c..",
                             "/%", "/%4", "/%G0", "/a%00", "relative", ""}) {
    EXPECT_EQ(find_static_file(root_, target).outcome, static_lookup::result::bad_path) << target;
  }
}

TEST_F(StaticFilesTest, SymlinkOutOfRootIsNotServed) {
  EXPECT_EQ(find_static_file(root_, "/escape.txt").outcome, static_lookup::result::not_found);
}

TEST(ContentType, UnknownIsOctetStream) {
  EXPECT_EQ(lc::net::content_type_for("x.bin"), "application/octet-stream");
  EXPECT_EQ(lc::net::content_type_for("X.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(lc::net::content_type_for("noext"), "application/octet-stream");
}

}  // namespace
