// Files in chat through the real binary and its system of record: an upload streamed in over
// HTTP with the sender's token, sent with a message, fetched by those who may see the
// conversation (from any node, live and archived) and by nobody else; what an upload or a send
// may not do is refused and stores nothing; erasure takes the files with it.
#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/team_suite.hpp"
#include "tests/support/clamd_fixture.hpp"

namespace lc::test {
namespace {

using namespace std::chrono;
using namespace std::string_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24U), static_cast<char>(v >> 16U), static_cast<char>(v >> 8U),
          static_cast<char>(v)};
}

// A PNG header of w x h and then `filler` bytes of every value: what the server sniffs and
// measures, and enough bytes to need several chunks.
std::string png(std::uint32_t w, std::uint32_t h, std::size_t filler = 0) {
  std::string s = "\x89PNG\r\n\x1a\n"s + "\0\0\0\x0dIHDR"s + be32(w) + be32(h) + "\x08\x06\0\0\0"s;
  for (std::size_t i = 0; i < filler; ++i) s.push_back(static_cast<char>(i * 7 % 251));
  return s;
}

class Files : public team_suite {
 protected:
  http_response upload(const std::string& token, const std::string& conv, const std::string& name,
                       const std::string& bytes, const server_process* node = nullptr) {
    const auto* n = node != nullptr ? node : node_.get();
    http_headers h{{"Content-Type", "application/octet-stream"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return http_request("POST", n->host(), n->port(),
                        "/api/files?conversation=" + conv + "&name=" + name, h, bytes);
  }

  http_response fetch(const std::string& token, const std::string& target,
                      const server_process* node = nullptr) {
    const auto* n = node != nullptr ? node : node_.get();
    http_headers h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return http_request("GET", n->host(), n->port(), target, h);
  }

  static pb::ServerEnvelope send_file(ws_client& ws, const std::string& conv,
                                      const std::string& cmid, const std::string& file,
                                      const std::string& caption = "",
                                      const std::string& preview = "") {
    pb::ClientEnvelope req;
    auto* s = req.mutable_send();
    s->set_conversation_id(conv);
    s->set_client_msg_id(cmid);
    s->set_text(caption);
    s->set_attachment_id(file);
    s->set_preview(preview);
    return ws.request(req);
  }

  // An agent (al, billing) and a visitor in one chat; the conversation id and the visitor's token.
  std::pair<std::string, std::string> chat(ws_client& agent, ws_client& visitor,
                                           const std::string& agent_id = "al") {
    agent_hello(agent, agent_token(agent_id, {"billing"}, 3));
    set_presence(agent, pb::PRESENCE_STATUS_ONLINE);
    const auto welcome = visitor_hello(visitor);
    EXPECT_EQ(welcome.max_file_bytes(), 10ULL * 1024 * 1024);
    EXPECT_GT(welcome.file_types_size(), 0);
    const auto conv = join(visitor, "Vic", "billing", "Here is a photo").conversation_id();
    EXPECT_TRUE(wait_assigned(agent, conv, 5s));
    return {conv, welcome.visitor_token()};
  }

  static std::string id_of(const http_response& r) { return field(json(r), "id"); }

  std::string scalar(const std::string& sql) { return pg_query(postgres().url(), sql).at(0).at(0); }
};

TEST_F(Files, AVisitorsImageReachesTheAgentAndOnlyThoseWhoMaySeeTheChatFetchIt) {
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto [conv, vtoken] = chat(*agent, *visitor);
  const auto bytes = png(640, 480, 700 * 1024);  // three chunks
  auto up = upload(vtoken, conv, "holiday%20photo.png", bytes);
  ASSERT_EQ(up.status, 201) << up.body;
  const auto v = json(up);
  const auto file = field(v, "id");
  EXPECT_EQ(file.size(), 25U);
  EXPECT_EQ(file[0], 'f');
  EXPECT_EQ(field(v, "name"), "holiday photo.png");
  EXPECT_EQ(field(v, "type"), "image/png");
  EXPECT_EQ(v.find("size")->as_double(), static_cast<double>(bytes.size()));
  EXPECT_EQ(v.find("width")->as_double(), 640);
  EXPECT_EQ(v.find("height")->as_double(), 480);

  // Not sent yet: its uploader's alone.
  EXPECT_EQ(fetch(agent_token("al", {"billing"}, 3), "/api/files/" + file).status, 404);
  EXPECT_EQ(fetch(vtoken, "/api/files/" + file).status, 200);

  const auto preview = png(100, 75, 200);
  auto ack = send_file(*visitor, conv, "m1", file, "", preview);
  ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
  auto got = agent->wait_for(
      [&](const pb::ServerEnvelope& e) { return e.has_event() && e.event().has_attachment(); }, 5s);
  ASSERT_TRUE(got);
  const auto& a = got->event().attachment();
  EXPECT_EQ(a.id(), file);
  EXPECT_EQ(a.name(), "holiday photo.png");
  EXPECT_EQ(a.type(), "image/png");
  EXPECT_EQ(a.size(), bytes.size());
  EXPECT_EQ(a.width(), 640U);
  EXPECT_EQ(a.preview(), preview);
  EXPECT_TRUE(got->event().text().empty());
  EXPECT_TRUE(send_file(*visitor, conv, "m1", file).ack().duplicate()) << "a resend dedups";

  const std::string path = "/api/files/" + file;
  for (const auto& token : {vtoken, agent_token("al", {"billing"}, 3),
                            agent_token("bea", {"billing"}, 3), agent_token("root", {}, 0, true)}) {
    auto r = fetch(token, path);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.body == bytes) << "bytes differ, " << r.body.size() << " of " << bytes.size();
    EXPECT_EQ(r.headers["content-type"], "image/png");
    EXPECT_EQ(r.headers["content-disposition"].rfind("inline; filename=\"holiday photo.png\"", 0),
              0U)
        << r.headers["content-disposition"];
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
    EXPECT_NE(r.headers["content-security-policy"].find("sandbox"), std::string::npos);
  }
  EXPECT_EQ(
      fetch(vtoken, path + "?download=1").headers["content-disposition"].rfind("attachment", 0),
      0U);
  EXPECT_EQ(fetch(agent_token("sam", {"sales"}, 3), path).status, 404) << "another department";
  auto stranger = connect(*node_);
  EXPECT_EQ(fetch(visitor_hello(*stranger).visitor_token(), path).status, 404);
  EXPECT_EQ(fetch("", path).status, 401);
  EXPECT_EQ(fetch("lcv1.forged.token", path).status, 401);
  EXPECT_EQ(fetch(vtoken, "/api/files/f" + std::string(24, '0')).status, 404);
  EXPECT_EQ(fetch(vtoken, "/api/files/../../etc/passwd").status, 404);

  // The agent answers with a document: a download, never inline.
  auto doc = upload(agent_token("al", {"billing"}, 3), conv, "steps.txt", "1. unplug\n2. wait\n");
  ASSERT_EQ(doc.status, 201) << doc.body;
  EXPECT_EQ(field(json(doc), "type"), "text/plain");
  ASSERT_TRUE(send_file(*agent, conv, "a1", id_of(doc), "Try these").has_ack());
  auto seen = visitor->wait_for(
      [&](const pb::ServerEnvelope& e) {
        return e.has_event() && e.event().attachment().id() == id_of(doc);
      },
      5s);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->event().text(), "Try these");
  auto r = fetch(vtoken, "/api/files/" + id_of(doc));
  EXPECT_EQ(r.body, "1. unplug\n2. wait\n");
  EXPECT_EQ(r.headers["content-disposition"].rfind("attachment", 0), 0U);

  // The history lists both, live and once archived.
  const auto root = agent_token("root", {}, 0, true);
  auto live = call("GET", "/api/conversations/" + conv, "", root);
  EXPECT_NE(live.body.find(R"("attachment":{"id":")" + file + R"(","name":"holiday photo.png")"),
            std::string::npos)
      << live.body;
}

TEST_F(Files, ArchivedFilesAreServedFromAnyNodeAndErasureTakesThem) {
  node_.reset();
  node_ = start_node("n1", {"--keep-closed-hours", "0"});
  auto n2 = start_node("n2", {"--keep-closed-hours", "0"});
  auto agent = connect(*n2);
  auto visitor = connect(*node_);
  const auto [conv, vtoken] = chat(*agent, *visitor);
  const auto bytes = png(32, 32, 300 * 1024);
  auto up = upload(vtoken, conv, "a.png", bytes);
  ASSERT_EQ(up.status, 201) << up.body;
  const auto file = id_of(up);
  ASSERT_TRUE(send_file(*visitor, conv, "m1", file, "see").has_ack());
  // The agent on the other node gets the event, and that node serves the bytes.
  auto got = agent->wait_for(
      [&](const pb::ServerEnvelope& e) { return e.has_event() && e.event().has_attachment(); }, 5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(fetch(agent_token("al", {"billing"}, 3), "/api/files/" + file, n2.get()).body, bytes);

  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(agent->request(close).has_ack());
  const auto root = agent_token("root", {}, 0, true);
  std::string found;
  for (int i = 0; i < 100 && found.find("\"archived\":true") == std::string::npos; ++i) {
    found = call("GET", "/api/conversations/" + conv, "", root).body;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(found.find("\"archived\":true"), std::string::npos) << found;
  EXPECT_NE(found.find(R"("attachment":{"id":")" + file), std::string::npos) << found;
  // Archived: the agent who had it and the department still may; the visitor too.
  EXPECT_EQ(fetch(agent_token("al", {"tech"}, 3), "/api/files/" + file, n2.get()).body, bytes);
  EXPECT_EQ(fetch(agent_token("bea", {"billing"}, 3), "/api/files/" + file).status, 200);
  EXPECT_EQ(fetch(agent_token("sam", {"sales"}, 3), "/api/files/" + file).status, 404);
  EXPECT_EQ(fetch(vtoken, "/api/files/" + file).body, bytes);

  const auto visitor_id = got->event().sender_id();
  auto erased = call("DELETE", "/api/visitors/" + visitor_id, "", root);
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(fetch(root, "/api/files/" + file).status, 404);
}

TEST_F(Files, UploadsAndSendsThatMayNotBeAreRefusedAndStoreNothing) {
  node_.reset();
  node_ = start_node("n1", {"--max-file-mb", "1", "--file-types", "image/*,text/plain"});
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  agent_hello(*agent, agent_token("al", {"billing"}, 3));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  const auto welcome = visitor_hello(*visitor);
  EXPECT_EQ(welcome.max_file_bytes(), 1024U * 1024);
  ASSERT_EQ(welcome.file_types_size(), 2);
  EXPECT_EQ(welcome.file_types(0), "image/*");
  const auto vtoken = welcome.visitor_token();
  const auto conv = join(*visitor, "Vic", "billing", "hi").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv, 5s));

  auto expect = [](const http_response& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find(R"("code":")" + code + "\""), std::string::npos) << r.body;
  };
  expect(upload(vtoken, conv, "big.png", png(10, 10, 1024 * 1024)), 413, "too_large");
  // HTML is found whatever the name says; SVG with script too; neither is in image/*.
  expect(upload(vtoken, conv, "cat.png", "<!doctype html><script>alert(1)</script>"), 415,
         "unsupported_type");
  expect(upload(vtoken, conv, "cat.svg", "<svg onload='alert(1)'/>"), 415, "unsupported_type");
  expect(upload(vtoken, conv, "doc.pdf", "%PDF-1.4 ..."), 415, "unsupported_type");
  expect(upload(vtoken, conv, "empty.txt", ""), 400, "bad_request");
  expect(upload("", conv, "a.txt", "x"), 401, "unauthenticated");
  expect(upload(vtoken, "c" + std::string(24, '0'), "a.txt", "x"), 404, "not_found");
  expect(upload(vtoken, "c:1", "a.txt", "x"), 400, "bad_request");
  expect(upload(vtoken, conv, "", "x"), 400, "bad_request");
  auto other = connect(*node_);
  expect(upload(visitor_hello(*other).visitor_token(), conv, "a.txt", "x"), 404, "not_found");
  expect(upload(agent_token("sam", {"sales"}, 3), conv, "a.txt", "x"), 404, "not_found");
  EXPECT_EQ(scalar("SELECT count(*) FROM files"), "0") << "no refused upload left anything";

  // Sends: a file that is not there, another sender's, one sent already, a bad preview.
  auto err = [](const pb::ServerEnvelope& e, pb::ErrorCode code) {
    ASSERT_TRUE(e.has_error()) << e.DebugString();
    EXPECT_EQ(e.error().code(), code) << e.error().text();
  };
  err(send_file(*visitor, conv, "m1", "f" + std::string(24, 'a')), pb::ERROR_CODE_NOT_FOUND);
  auto mine = upload(vtoken, conv, "note.txt", "hello");
  ASSERT_EQ(mine.status, 201) << mine.body;
  err(send_file(*agent, conv, "a1", id_of(mine)), pb::ERROR_CODE_NOT_FOUND);
  err(send_file(*visitor, conv, "m2", id_of(mine), "", "<svg/>"), pb::ERROR_CODE_INVALID_ARGUMENT);
  ASSERT_TRUE(send_file(*visitor, conv, "m3", id_of(mine)).has_ack());
  err(send_file(*visitor, conv, "m4", id_of(mine)), pb::ERROR_CODE_CONFLICT);
  // None of the refused ones reached the chat.
  auto events = drain_events(*agent, conv, 1s);
  int with_files = 0;
  for (const auto& e : events) with_files += e.has_attachment() ? 1 : 0;
  EXPECT_EQ(with_files, 1);

  // A closed conversation takes no more files.
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(visitor->request(close).has_ack());
  expect(upload(vtoken, conv, "late.txt", "x"), 409, "conflict");
}

TEST_F(Files, WithAScannerOnlyCleanFilesAreReleasedAndNoneWhileItIsDown) {
  clamd_fixture clamd;
  node_.reset();
  node_ = start_node("n1", {"--clamd-socket", clamd.socket()});
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto [conv, vtoken] = chat(*agent, *visitor);
  auto clean = upload(vtoken, conv, "clean.txt", std::string(600 * 1024, 'a'));
  ASSERT_EQ(clean.status, 201) << clean.body;
  // The marker past the first chunk: the scan reads the whole stream, not only its head.
  const auto infected_bytes =
      std::string(300 * 1024, 'b') + clamd_fixture::virus_marker + std::string(1000, 'c');
  auto infected = upload(vtoken, conv, "report.txt", infected_bytes);
  EXPECT_EQ(infected.status, 422) << infected.body;
  EXPECT_NE(infected.body.find(R"("code":"infected")"), std::string::npos) << infected.body;
  // Nothing of it is kept: the database has only the clean file.
  EXPECT_EQ(scalar("SELECT count(*) FROM files"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM file_chunks WHERE file_id <> '" + id_of(clean) + "'"),
            "0");
  clamd.stop();
  auto down = upload(vtoken, conv, "later.txt", "hello");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find("scan_unavailable"), std::string::npos) << down.body;
  EXPECT_EQ(scalar("SELECT count(*) FROM files"), "1");
}

TEST_F(Files, ADepartmentsOwnLimitAndTypesApplyToItsChats) {
  const auto root = sign_in("root@example.org", admin_password).first;
  const auto put = [&](const std::string& body) {
    return call("PUT", "/api/departments/billing", body, root);
  };
  EXPECT_EQ(put(R"({"file_types":"image"})").status, 400);
  EXPECT_EQ(put(R"({"max_file_mb":-1})").status, 400);
  ASSERT_EQ(put(R"({"max_file_mb":0})").status, 200);
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  agent_hello(*agent, agent_token("al", {"billing"}, 3));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  const auto welcome = visitor_hello(*visitor);
  EXPECT_EQ(welcome.max_file_bytes(), 10ULL * 1024 * 1024) << "the server's";
  for (const auto& d : welcome.department_status()) {
    EXPECT_EQ(d.max_file_bytes(), d.department() == "billing" ? 0U : 10ULL * 1024 * 1024)
        << d.department();
  }
  const auto vtoken = welcome.visitor_token();
  const auto conv = join(*visitor, "Vic", "billing", "hi").conversation_id();
  ASSERT_TRUE(wait_assigned(*agent, conv, 5s));
  auto off = upload(vtoken, conv, "a.txt", "x");
  EXPECT_EQ(off.status, 403) << off.body;
  EXPECT_NE(off.body.find("files_off"), std::string::npos) << off.body;

  auto saved = put(R"({"max_file_mb":null,"file_types":"text/plain"})");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_NE(saved.body.find(R"("max_file_mb":null,"file_types":"text/plain")"), std::string::npos)
      << saved.body;
  EXPECT_EQ(upload(vtoken, conv, "a.png", png(4, 4)).status, 415);
  EXPECT_EQ(upload(vtoken, conv, "a.txt", "plain words").status, 201);
}

TEST_F(Files, AFormUploadAsCurlOrABrowserSendsItIsUnwrapped) {
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  const auto [conv, vtoken] = chat(*agent, *visitor);
  const std::string boundary = "------------------------a1b2c3";
  const auto bytes = png(20, 10, 300 * 1024);
  const auto form = [&](const std::string& file_part) {
    return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--" +
           boundary + "\r\n" + file_part + "\r\n--" + boundary + "--\r\n";
  };
  const http_headers h{{"Content-Type", "multipart/form-data; boundary=" + boundary},
                       {"Authorization", "Bearer " + vtoken}};
  auto r = http_request("POST", node_->host(), node_->port(), "/api/files?conversation=" + conv, h,
                        form("Content-Disposition: form-data; name=\"file\"; "
                             "filename=\"../../sunset.png\"\r\nContent-Type: image/png\r\n\r\n" +
                             bytes));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(field(json(r), "name"), "sunset.png");
  EXPECT_EQ(field(json(r), "type"), "image/png");
  EXPECT_EQ(json(r).find("size")->as_double(), static_cast<double>(bytes.size()));
  ASSERT_TRUE(send_file(*visitor, conv, "m1", id_of(r)).has_ack());
  EXPECT_TRUE(fetch(vtoken, "/api/files/" + id_of(r)).body == bytes);

  auto no_file =
      http_request("POST", node_->host(), node_->port(), "/api/files?conversation=" + conv, h,
                   form("Content-Disposition: form-data; name=\"other\"\r\n\r\nx"));
  EXPECT_EQ(no_file.status, 400) << no_file.body;
  auto broken = http_request("POST", node_->host(), node_->port(),
                             "/api/files?conversation=" + conv, h, "--" + boundary + "garbage");
  EXPECT_EQ(broken.status, 400) << broken.body;
  http_headers no_boundary = h;
  no_boundary[0].second = "multipart/form-data";
  EXPECT_EQ(http_request("POST", node_->host(), node_->port(), "/api/files?conversation=" + conv,
                         no_boundary, "x")
                .status,
            400);
  EXPECT_EQ(scalar("SELECT count(*) FROM files"), "1");
}

TEST_F(Files, WithFilesOffNothingIsOfferedOrTaken) {
  node_.reset();
  node_ = start_node("n1", {"--max-file-mb", "0"});
  auto agent = connect(*node_);
  auto visitor = connect(*node_);
  agent_hello(*agent, agent_token("al", {"billing"}, 3));
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  const auto welcome = visitor_hello(*visitor);
  EXPECT_EQ(welcome.max_file_bytes(), 0U);
  EXPECT_EQ(welcome.file_types_size(), 0);
  const auto conv = join(*visitor, "Vic", "billing", "hi").conversation_id();
  auto r = upload(welcome.visitor_token(), conv, "a.txt", "x");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("files_off"), std::string::npos) << r.body;
  auto e = send_file(*visitor, conv, "m1", "f" + std::string(24, 'a'));
  ASSERT_TRUE(e.has_error());
  EXPECT_EQ(e.error().code(), pb::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace lc::test
