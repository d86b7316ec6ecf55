#include "server/record/files.hpp"

#include <gtest/gtest.h>

#include "server/record/history.hpp"
#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

constexpr std::int64_t t0 = 1'796'230'680'000;

std::string file_id(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "f%024x", n);
  return buf;
}

file_row upload(int n, const std::string& conv, const std::string& visitor, std::int64_t at = t0) {
  file_row f;
  f.id = file_id(n);
  f.conversation_id = conv;
  f.visitor_id = visitor;
  f.uploader_id = visitor;
  f.uploader_role = 1;
  f.name = "scan.png";
  f.created_ms = at;
  return f;
}

// The upload of `id` finished with what its bytes said.
void ready(test::record_env& env, const std::string& id, const std::string& type, std::int64_t size,
           std::uint32_t width, std::uint32_t height) {
  auto f = find_file(env.db(), id);
  ASSERT_TRUE(f);
  f->content_type = type;
  f->size = size;
  f->width = width;
  f->height = height;
  finish_file(env.db(), *f);
}

std::int64_t count(test::record_env& env, const std::string& table) {
  return env.db().exec("SELECT count(*) FROM " + table).integer(0, 0);
}

TEST(Files, ChunksComeBackByteForByteAndInOrder) {
  test::record_env env;
  const auto f = upload(1, test::conv_id(1), test::visitor_id(1));
  create_file(env.db(), f);
  // Every byte value, NULs included: bytea must carry them all.
  std::string first;
  for (int i = 0; i < 256; ++i) first.push_back(static_cast<char>(i));
  const std::string second(1000, '\0');
  put_file_chunk(env.db(), f.id, 0, first);
  put_file_chunk(env.db(), f.id, 1, second);
  EXPECT_FALSE(find_file(env.db(), f.id)->ready);
  ready(env, f.id, "image/png", 1256, 640, 480);
  const auto got = find_file(env.db(), f.id);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ready);
  EXPECT_EQ(got->content_type, "image/png");
  EXPECT_EQ(got->size, 1256);
  EXPECT_EQ(got->width, 640U);
  EXPECT_EQ(got->height, 480U);
  EXPECT_EQ(file_chunk(env.db(), f.id, 0), first);
  EXPECT_EQ(file_chunk(env.db(), f.id, 1), second);
  EXPECT_FALSE(file_chunk(env.db(), f.id, 2));
  EXPECT_FALSE(find_file(env.db(), file_id(99)));
}

TEST(Files, AFileIsSentByOneMessageOnlyAndKeepsItsPreview) {
  test::record_env env;
  const auto f = upload(1, test::conv_id(1), test::visitor_id(1));
  create_file(env.db(), f);
  EXPECT_FALSE(mark_file_sent(env.db(), f.id, "m1", "")) << "still uploading";
  ready(env, f.id, "image/png", 10, 1, 1);
  const std::string preview("\x89PNG\0\x01", 6);
  EXPECT_TRUE(mark_file_sent(env.db(), f.id, "m1", preview));
  EXPECT_TRUE(mark_file_sent(env.db(), f.id, "m1", preview)) << "a resend of the same message";
  EXPECT_FALSE(mark_file_sent(env.db(), f.id, "m2", "")) << "another message";
  const auto got = find_file(env.db(), f.id);
  EXPECT_EQ(got->sent_msg, "m1");
  EXPECT_EQ(got->preview, preview);
}

TEST(Files, AConversationsBytesCountUploadsInProgress) {
  test::record_env env;
  const auto c = test::conv_id(1);
  const auto done = upload(1, c, test::visitor_id(1));
  create_file(env.db(), done);
  ready(env, done.id, "text/plain", 5000, 0, 0);
  const auto partial = upload(2, c, test::visitor_id(1));
  create_file(env.db(), partial);
  put_file_chunk(env.db(), partial.id, 0, std::string(300, 'x'));
  create_file(env.db(), upload(3, test::conv_id(2), test::visitor_id(1)));
  EXPECT_EQ(conversation_file_bytes(env.db(), c), 5300);
  EXPECT_EQ(conversation_file_bytes(env.db(), test::conv_id(3)), 0);
}

TEST(Files, FilesNeverSentAreSweptAndTheirChunksWithThem) {
  test::record_env env;
  const auto old_unsent = upload(1, test::conv_id(1), test::visitor_id(1), t0);
  const auto old_sent = upload(2, test::conv_id(1), test::visitor_id(1), t0);
  const auto new_unsent = upload(3, test::conv_id(1), test::visitor_id(1), t0 + 5000);
  for (const auto& f : {old_unsent, old_sent, new_unsent}) {
    create_file(env.db(), f);
    put_file_chunk(env.db(), f.id, 0, "abc");
    ready(env, f.id, "text/plain", 3, 0, 0);
  }
  mark_file_sent(env.db(), old_sent.id, "m1", "");
  EXPECT_EQ(delete_unsent_files(env.db(), t0 + 1000, 100), 1U);
  EXPECT_FALSE(find_file(env.db(), old_unsent.id));
  EXPECT_TRUE(find_file(env.db(), old_sent.id));
  EXPECT_TRUE(find_file(env.db(), new_unsent.id));
  EXPECT_EQ(count(env, "file_chunks"), 2);
}

TEST(Files, ArchivedMessagesCarryTheirFileAndStaffAccessFollowsTheArchive) {
  test::record_env env;
  const auto c = test::conv_id(1);
  const auto v = test::visitor_id(1);
  auto archive = test::sample_conversation(c, v, t0, 2);
  auto f = upload(1, c, v);
  create_file(env.db(), f);
  ready(env, f.id, "image/png", 2048, 32, 16);
  mark_file_sent(env.db(), f.id, "m1", "pv");
  auto& message = archive.events[2];
  ASSERT_EQ(message.kind(), livechat::v1::EVENT_KIND_MESSAGE);
  message.mutable_attachment()->set_id(f.id);
  ASSERT_TRUE(write_archive(env.db(), archive));
  conversation_archive back;
  ASSERT_TRUE(read_archive(env.db(), c, back));
  ASSERT_TRUE(back.events[2].has_attachment());
  const auto& a = back.events[2].attachment();
  EXPECT_EQ(a.id(), f.id);
  EXPECT_EQ(a.name(), "scan.png");
  EXPECT_EQ(a.type(), "image/png");
  EXPECT_EQ(a.size(), 2048U);
  EXPECT_EQ(a.width(), 32U);
  EXPECT_EQ(a.height(), 16U);
  EXPECT_EQ(a.preview(), "pv");
  EXPECT_FALSE(back.events[3].has_attachment());

  EXPECT_TRUE(staff_may_read_archived(env.db(), c, "alice", {}));
  EXPECT_TRUE(staff_may_read_archived(env.db(), c, "bob", {"billing"}));
  EXPECT_FALSE(staff_may_read_archived(env.db(), c, "bob", {"sales"}));
  EXPECT_FALSE(staff_may_read_archived(env.db(), test::conv_id(9), "alice", {"billing"}));
}

TEST(Files, ErasureAndRetentionDeleteTheFiles) {
  test::record_env env;
  const auto v = test::visitor_id(1);
  const auto other = test::visitor_id(2);
  // The visitor's live conversation's file (not archived yet), and an agent's file sent to them.
  create_file(env.db(), upload(1, test::conv_id(1), v));
  auto agents = upload(2, test::conv_id(1), v);
  agents.uploader_id = "alice";
  create_file(env.db(), agents);
  put_file_chunk(env.db(), agents.id, 0, "x");
  create_file(env.db(), upload(3, test::conv_id(2), other));
  erase_visitor(env.db(), v, t0 + 10);
  EXPECT_EQ(count(env, "files"), 1);
  EXPECT_EQ(count(env, "file_chunks"), 0);

  // Retention: an archived conversation past the cutoff loses its files in either mode.
  for (auto mode : {retention_mode::anonymise, retention_mode::erase}) {
    test::record_env fresh;
    const auto c = test::conv_id(5);
    ASSERT_TRUE(write_archive(fresh.db(), test::sample_conversation(c, other, t0, 2)));
    create_file(fresh.db(), upload(5, c, other));
    create_file(fresh.db(), upload(6, test::conv_id(6), other));  // not archived: kept
    apply_retention(fresh.db(), t0 + 3'600'000, mode, 10, t0 + 3'600'000);
    EXPECT_FALSE(find_file(fresh.db(), file_id(5)));
    EXPECT_TRUE(find_file(fresh.db(), file_id(6)));
  }
}

}  // namespace
}  // namespace lc::record
