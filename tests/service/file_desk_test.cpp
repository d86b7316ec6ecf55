// Files through the service's seams, under the sanitizers like the rest of tests/service: an
// upload's sink driven piece by piece as server/net would, the file sent with a message, read
// back through a download's source chunk by chunk; refused and abandoned uploads leave nothing.
#include "server/service/file_desk.hpp"

#include <gtest/gtest.h>

#include "server/record/migrations.hpp"
#include "tests/service/service_env.hpp"
#include "tests/support/pg_fixture.hpp"

namespace lc::test {
namespace {

using namespace std::string_literals;

std::string png_bytes(std::size_t size) {
  std::string s = "\x89PNG\r\n\x1a\n"s + "\0\0\0\x0dIHDR"s + "\0\0\x01\x00\0\0\0\x80"s;
  while (s.size() < size) s.push_back(static_cast<char>(s.size() * 13 % 256));
  return s;
}

class FileDesk : public redis_suite {
 protected:
  void SetUp() override {
    redis_suite::SetUp();
    pg_ = pg_fixture::start();
    record::pg_connection db(pg_->url(), 2000ms);
    record::apply_migrations(db);
    pool_ = std::make_unique<record::record_pool>(
        record::record_pool_options{pg_->url(), 2000ms, 2, 1000});
    pool_->start();
    env_ = std::make_unique<service_env>(
        redis(), "n1", std::function<void(service::service_options&)>{}, pool_.get());
    agent_ = env_->connect();
    agent_->hello_agent("alice", {"billing"}, 4);
    agent_->presence(pb::PRESENCE_STATUS_ONLINE);
    visitor_ = env_->connect();
    token_ = visitor_->hello_visitor().visitor_token();
    conv_ = visitor_->join("Vic", "billing", "a photo", "j1").conversation_id();
    ASSERT_TRUE(agent_->wait_assigned(conv_));
  }
  void TearDown() override {
    agent_.reset();
    visitor_.reset();
    env_.reset();
    pool_.reset();
  }

  service::upload_start open(const std::string& name, std::optional<std::uint64_t> length = {}) {
    service::http_request head{"POST",
                               "/api/files?conversation=" + conv_ + "&name=" + name,
                               "Bearer " + token_,
                               {},
                               "127.0.0.1",
                               "application/octet-stream",
                               length};
    std::optional<service::upload_start> got;
    env_->service().open_upload(std::move(head),
                                [&](service::upload_start s) { got = std::move(s); });
    EXPECT_TRUE(env_->run_until([&] { return got.has_value(); }));
    return got ? std::move(*got) : service::upload_start{};
  }
  bool write(service::body_sink& sink, std::string piece) {
    std::optional<bool> ok;
    sink.write(std::move(piece), [&](bool b) { ok = b; });
    EXPECT_TRUE(env_->run_until([&] { return ok.has_value(); }));
    return ok.value_or(false);
  }
  service::http_response finish(service::body_sink& sink, bool complete, bool too_large = false) {
    std::optional<service::http_response> res;
    sink.finish(complete, too_large, [&](service::http_response r) { res = std::move(r); });
    EXPECT_TRUE(env_->run_until([&] { return res.has_value(); }));
    return res.value_or(service::http_response{});
  }
  // The whole upload in 64 KiB pieces, as server/net hands them over.
  service::http_response upload(const std::string& name, const std::string& bytes) {
    auto start = open(name, bytes.size());
    if (!start.sink) return start.refusal;
    for (std::size_t at = 0; at < bytes.size(); at += 64 * 1024) {
      if (!write(*start.sink, bytes.substr(at, 64 * 1024))) return finish(*start.sink, false);
    }
    return finish(*start.sink, true);
  }
  // GET /api/files/{id} as the visitor, its body pulled from the source chunk by chunk.
  std::pair<service::http_response, std::string> download(const std::string& id) {
    std::optional<service::http_response> res;
    env_->service().handle_http({"GET", "/api/files/" + id, "Bearer " + token_, {}, "127.0.0.1"},
                                [&](service::http_response r) { res = std::move(r); });
    EXPECT_TRUE(env_->run_until([&] { return res.has_value(); }));
    std::string body;
    if (!res || res->source == nullptr) return {res.value_or(service::http_response{}), body};
    for (int i = 0; i < 100; ++i) {
      std::optional<std::pair<std::string, bool>> piece;
      res->source->next([&](std::string p, bool ok) { piece.emplace(std::move(p), ok); });
      EXPECT_TRUE(env_->run_until([&] { return piece.has_value(); }));
      if (!piece || !piece->second || piece->first.empty()) break;
      body += piece->first;
    }
    return {*res, body};
  }
  std::string files_in_record() { return pg_query(pg_->url(), "SELECT count(*) FROM files")[0][0]; }
  static std::string id_of(const service::http_response& r) {
    const auto at = r.body.find(R"("id":")");
    return at == std::string::npos ? "" : r.body.substr(at + 6, 25);
  }

  std::unique_ptr<pg_fixture> pg_;
  std::unique_ptr<record::record_pool> pool_;
  std::unique_ptr<service_env> env_;
  std::unique_ptr<fake_client> agent_, visitor_;
  std::string token_, conv_;
};

TEST_F(FileDesk, AnUploadInPiecesIsSentAndReadBackChunkByChunk) {
  const auto bytes = png_bytes(600 * 1024);  // three chunks, the last one short
  auto res = upload("photo.png", bytes);
  ASSERT_EQ(res.status, 201U) << res.body;
  EXPECT_NE(res.body.find(R"("type":"image/png")"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("width":256,"height":128)"), std::string::npos) << res.body;
  const auto id = id_of(res);

  pb::ClientEnvelope send;
  send.mutable_send()->set_conversation_id(conv_);
  send.mutable_send()->set_client_msg_id("m1");
  send.mutable_send()->set_attachment_id(id);
  ASSERT_TRUE(visitor_->request(send).has_ack());
  auto got = agent_->wait_for(
      [](const pb::ServerEnvelope& e) { return e.has_event() && e.event().has_attachment(); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->event().attachment().size(), bytes.size());

  auto [head, body] = download(id);
  EXPECT_EQ(head.status, 200U);
  EXPECT_EQ(head.source_length, bytes.size());
  EXPECT_TRUE(body == bytes) << body.size() << " of " << bytes.size();
}

TEST_F(FileDesk, ATypeNotTakenStopsTheUploadAtItsFirstChunkAndLeavesNothing) {
  auto start = open("page.png");
  ASSERT_TRUE(start.sink);
  const std::string html = "<html><script>x</script>" + std::string(64 * 1024, ' ');
  int taken = 0;
  while (taken < 10 && write(*start.sink, html)) ++taken;
  EXPECT_EQ(taken, 3) << "refused on the piece that completes the first chunk";
  auto res = finish(*start.sink, false);
  EXPECT_EQ(res.status, 415U) << res.body;
  EXPECT_EQ(files_in_record(), "0");
}

TEST_F(FileDesk, AnAbandonedOrOversizedUploadLeavesNothing) {
  auto start = open("half.png");
  ASSERT_TRUE(start.sink);
  const auto bytes = png_bytes(300 * 1024);
  for (std::size_t at = 0; at < bytes.size(); at += 64 * 1024) {
    ASSERT_TRUE(write(*start.sink, bytes.substr(at, 64 * 1024)));
  }
  EXPECT_EQ(finish(*start.sink, false).status, 400U) << "the peer left";
  auto big = open("big.png");
  ASSERT_TRUE(big.sink);
  ASSERT_TRUE(write(*big.sink, png_bytes(64 * 1024)));
  EXPECT_EQ(finish(*big.sink, false, true).status, 413U);
  EXPECT_EQ(files_in_record(), "0");
  // Over the limit by Content-Length: refused before any row is made.
  auto told = open("told.png", 11ULL * 1024 * 1024);
  EXPECT_FALSE(told.sink);
  EXPECT_EQ(told.refusal.status, 413U);
  EXPECT_EQ(files_in_record(), "0");
}

TEST_F(FileDesk, ASenderHasThreeUploadsAtOnceAndGetsAPlaceBackWhenOneEnds) {
  std::vector<service::upload_start> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(open("f" + std::to_string(i) + ".txt"));
    ASSERT_TRUE(held.back().sink) << held.back().refusal.body;
  }
  auto fourth = open("f3.txt");
  EXPECT_FALSE(fourth.sink);
  EXPECT_EQ(fourth.refusal.status, 429U);
  EXPECT_NE(fourth.refusal.body.find("too_many_uploads"), std::string::npos);
  ASSERT_TRUE(write(*held[0].sink, "words"));
  EXPECT_EQ(finish(*held[0].sink, true).status, 201U);
  held[0].sink.reset();  // server/net lets go of it with its connection
  EXPECT_TRUE(open("f4.txt").sink);
}

}  // namespace
}  // namespace lc::test
