// The system of record through the real binary: a conversation's life ends in PostgreSQL and
// its Redis keys go away; history, search, reports and the visitor's rights work from the API;
// chat goes on while PostgreSQL is down; the embedded default starts its own PostgreSQL.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tests/e2e/e2e_env.hpp"
#include "tests/support/pg_fixture.hpp"

namespace lc::test {
namespace {

class History : public e2e {
 protected:
  // A chat in `language` that alice answers; the visitor closes. Returns the conversation id.
  std::string chat(server_process& node, const std::string& first, const std::string& language,
                   std::string* visitor_id = nullptr) {
    auto agent = connect(node);
    agent_hello(*agent, agent_token("alice", {"billing"}, 4));
    set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
    auto visitor = connect(node);
    auto welcome = visitor_hello(*visitor);
    if (visitor_id) *visitor_id = welcome.user_id();
    pb::ClientEnvelope req;
    auto* j = req.mutable_join();
    j->set_display_name("Vera");
    j->set_email("vera@example.org");
    j->set_department("billing");
    j->set_first_message(first);
    j->set_client_msg_id("j1");
    (*j->mutable_metadata())["language"] = language;
    auto ack = visitor->request(req);
    EXPECT_TRUE(ack.has_ack()) << ack.DebugString();
    const auto conv = ack.ack().conversation_id();
    EXPECT_TRUE(wait_assigned(*agent, conv));
    EXPECT_TRUE(send_text(*agent, conv, "a1", "Let me check that for you").has_ack());
    pb::ClientEnvelope close;
    close.mutable_close()->set_conversation_id(conv);
    EXPECT_TRUE(visitor->request(close).has_ack());
    return conv;
  }
  // Until the archive has it and Redis has let it go (--keep-closed-hours 0).
  bool gone_from_redis(const std::string& conv) {
    for (int i = 0; i < 100; ++i) {
      if (redis().command({"EXISTS", "lc:conv:" + conv}) == "0" &&
          redis().command({"EXISTS", "lc:conv:" + conv + ":s"}) == "0") {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  static http_headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  http_headers alice() { return bearer(agent_token("alice", {"billing"}, 4)); }
  http_headers admin() { return bearer(agent_token("root", {}, 0, true)); }
  // With no --postgres the server runs its own PostgreSQL in <data-dir>/postgres: as root (then
  // as an unprivileged user of the system) and as a normal user (`uid`).
  void embedded_default(int uid, int gid) {
    char tmpl[] = "/tmp/lc-embedded-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::filesystem::path dir = tmpl;
    ::chmod(tmpl, 0711);  // the database's user passes through
    if (uid >= 0) {
      ASSERT_EQ(::chown(tmpl, static_cast<uid_t>(uid), static_cast<gid_t>(gid)), 0);
    }
    {
      server_options o;
      o.binary = LIVECHAT_BINARY;
      o.args = {"--postgres",
                "",
                "--redis",
                redis().url(),
                "--data-dir",
                (dir / "data").string(),
                "--secret",
                test_secret,
                "--log-level",
                "warn",
                "--keep-closed-hours",
                "0"};
      o.health_target = "/readyz";
      o.uid = uid;
      o.gid = gid;
      auto node = server_process::start(o);
      EXPECT_TRUE(std::filesystem::exists(dir / "data" / "postgres" / "PG_VERSION"));
      const auto conv = chat(*node, "hello from the embedded default", "en");
      std::string found;
      for (int i = 0; i < 100 && found.find("\"archived\":true") == std::string::npos; ++i) {
        found = node->get("/api/conversations/" + conv, admin()).body;
        std::this_thread::sleep_for(100ms);
      }
      EXPECT_NE(found.find("\"archived\":true"), std::string::npos) << found;
      node->stop();
      EXPECT_EQ(node->wait_exit(10s).value_or(-1), 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

TEST_F(History, AnArchivedConversationIsServedSearchedAndReportedFromTheRecord) {
  auto node = start_node("n1", {"--keep-closed-hours", "0"});
  const auto de = chat(*node, "Mein Paket ist nicht angekommen", "de-DE");
  const auto ja = chat(*node, "注文した商品がまだ届きません", "ja-JP");
  ASSERT_TRUE(gone_from_redis(de));
  ASSERT_TRUE(gone_from_redis(ja));

  auto detail = node->get("/api/conversations/" + de, alice());
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_NE(detail.body.find("\"archived\":true"), std::string::npos) << detail.body;
  EXPECT_NE(detail.body.find("Mein Paket ist nicht angekommen"), std::string::npos);
  EXPECT_NE(detail.body.find("\"first_response_ms\":"), std::string::npos);

  // By stem in the conversation's language, and by substring where there is no stemmer.
  auto stem = node->get("/api/conversations?q=Pakete", alice());
  ASSERT_EQ(stem.status, 200) << stem.body;
  EXPECT_NE(stem.body.find(de), std::string::npos) << stem.body;
  EXPECT_EQ(stem.body.find(ja), std::string::npos) << stem.body;
  auto cjk = node->get("/api/conversations?q=%E5%95%86%E5%93%81", alice());  // 商品
  EXPECT_NE(cjk.body.find(ja), std::string::npos) << cjk.body;
  EXPECT_EQ(cjk.body.find(de), std::string::npos) << cjk.body;

  // Newest first, one per page, the cursor leads to the other.
  auto first = node->get("/api/conversations?limit=1", alice());
  EXPECT_NE(first.body.find(ja), std::string::npos) << first.body;
  const auto at = first.body.find("\"next_cursor\":\"");
  ASSERT_NE(at, std::string::npos) << first.body;
  const auto cursor = first.body.substr(at + 15, first.body.find('"', at + 15) - at - 15);
  auto second = node->get("/api/conversations?limit=1&cursor=" + cursor, alice());
  EXPECT_NE(second.body.find(de), std::string::npos) << second.body;
  EXPECT_NE(second.body.find("\"next_cursor\":null"), std::string::npos) << second.body;

  // Scope: an agent of another department sees nothing of billing's history.
  const auto sales = bearer(agent_token("sam", {"sales"}, 2));
  EXPECT_EQ(node->get("/api/conversations/" + de, sales).status, 404);
  EXPECT_EQ(node->get("/api/conversations?q=Paket", sales).body.find(de), std::string::npos);
  EXPECT_EQ(node->get("/api/conversations?department=billing", sales).status, 403);
  EXPECT_EQ(node->get("/api/conversations?cursor=nonsense", alice()).status, 400);
  EXPECT_EQ(node->get("/api/conversations?rating=9", alice()).status, 400);
  EXPECT_EQ(node->get("/api/conversations?visitor=alice", alice()).status, 400);

  // Reports come from the record, with breakdowns.
  auto stats = node->get("/api/stats?group=agent", alice());
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_NE(stats.body.find("\"conversations_closed\":2"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"key\":\"alice\""), std::string::npos) << stats.body;
  auto hours = node->get("/api/stats?group=hour&tz=Europe/Berlin", alice());
  EXPECT_EQ(hours.status, 200) << hours.body;
  auto bad_tz = node->get("/api/stats?group=hour&tz=Mars/Olympus", alice());
  EXPECT_EQ(bad_tz.status, 400) << bad_tz.body;
  EXPECT_NE(bad_tz.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(node->get("/api/stats?group=planet", alice()).status, 400);
}

TEST_F(History, AVisitorIsExportedAndErasedEverywhere) {
  auto node = start_node("n1", {"--keep-closed-hours", "1"});
  std::string visitor;
  const auto conv = chat(*node, "please forget me", "en", &visitor);
  ASSERT_FALSE(visitor.empty());
  // Archived (pending no more) but still in Redis for the window.
  for (int i = 0; i < 100 && redis().command({"ZCARD", "lc:archive:pending"}) != "0"; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(redis().command({"ZCARD", "lc:archive:pending"}), "0");
  EXPECT_EQ(node->get("/api/visitors/" + visitor + "/export", alice()).status, 403);
  auto exported = node->get("/api/visitors/" + visitor + "/export", admin());
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_NE(exported.body.find(conv), std::string::npos);
  EXPECT_NE(exported.body.find("please forget me"), std::string::npos);
  EXPECT_EQ(exported.body.find(conv), exported.body.rfind(conv)) << "listed once";

  auto erased =
      http_request("DELETE", node->host(), node->port(), "/api/visitors/" + visitor, admin());
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_NE(erased.body.find("\"conversations_erased\":1"), std::string::npos) << erased.body;
  EXPECT_EQ(redis().command({"EXISTS", "lc:conv:" + conv}), "0");
  EXPECT_EQ(redis().command({"EXISTS", "lc:visitor:" + visitor}), "0");
  EXPECT_EQ(node->get("/api/conversations/" + conv, admin()).status, 404);
  EXPECT_EQ(pg_query(postgres().url(), "SELECT count(*) FROM conversations")[0][0], "0");
  EXPECT_EQ(pg_query(postgres().url(), "SELECT count(*) FROM events")[0][0], "0");
  auto audit = pg_query(postgres().url(), "SELECT action, actor FROM audit ORDER BY id");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0], (std::vector<std::string>{"visitor_export", "root"}));
  EXPECT_EQ(audit[1], (std::vector<std::string>{"visitor_erase", "root"}));
  EXPECT_EQ(http_request("DELETE", node->host(), node->port(), "/api/visitors/" + visitor, alice())
                .status,
            403);
  EXPECT_EQ(http_request("DELETE", node->host(), node->port(), "/api/visitors/bad", admin()).status,
            400);
}

TEST_F(History, AVisitorWithAChatOpenIsNotErased) {
  auto node = start_node("n1");
  auto visitor = connect(*node);
  auto welcome = visitor_hello(*visitor);
  join(*visitor, "Vera", "billing");
  auto r = http_request("DELETE", node->host(), node->port(), "/api/visitors/" + welcome.user_id(),
                        admin());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("close it first"), std::string::npos);
}

// PostgreSQL down: chat goes on, /readyz stays ready and says the archive is degraded, and the
// archive catches up when it returns.
TEST_F(History, ChatGoesOnWhilePostgresIsDownAndTheArchiveCatchesUp) {
  auto node = start_node("n1");
  postgres().stop();
  const auto conv = chat(*node, "is anyone there", "en");
  std::string ready;
  for (int i = 0; i < 100; ++i) {
    ready = node->get("/readyz").body;
    if (ready.find("degraded") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(ready.find("\"status\":\"ready\""), std::string::npos) << ready;
  EXPECT_NE(ready.find("\"archive\":\"degraded\""), std::string::npos) << ready;
  // The backlog gauge follows at the next tick.
  std::string metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = node->get("/metrics").body;
    if (metrics.find("livechat_archive_backlog 1") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("livechat_archive_backlog 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("livechat_archive_up 0"), std::string::npos);
  EXPECT_EQ(node->get("/api/conversations?q=anyone", alice()).status, 503);
  postgres().restart();
  std::string found;
  for (int i = 0; i < 150; ++i) {
    found = node->get("/api/conversations?q=anyone", alice()).body;
    if (found.find(conv) != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(found.find(conv), std::string::npos) << found;
  for (int i = 0; i < 100 && ready.find("\"archive\":\"ok\"") == std::string::npos; ++i) {
    ready = node->get("/readyz").body;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(ready.find("\"archive\":\"ok\""), std::string::npos) << ready;
}

TEST_F(History, TheEmbeddedDefaultStartsItsOwnPostgres) {
  embedded_default(-1, -1);
}

TEST_F(History, TheEmbeddedDefaultWorksForANormalUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "we are a normal user already: the test above is this";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  embedded_default(static_cast<int>(nobody->pw_uid), static_cast<int>(nobody->pw_gid));
}

}  // namespace
}  // namespace lc::test
