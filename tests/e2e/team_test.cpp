// A team runs on it without the command line after the first admin: the admin is made by
// `livechat admin create` (password on stdin), everyone signs in with email and password, an
// admin's change to an account takes effect within a second, and the lists a team shares live
// on the server.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "tests/e2e/team_suite.hpp"

namespace lc::test {
namespace {

class Team : public team_suite {};

TEST_F(Team, TheFirstAdminSignsInAndWrongPasswordsAreRefusedThenLimited) {
  auto [token, refresh] = sign_in("ROOT@example.org", admin_password);
  ASSERT_FALSE(token.empty());
  ASSERT_FALSE(refresh.empty());
  auto me = json(call("GET", "/api/accounts", "", token));
  ASSERT_TRUE(me.find("accounts"));
  ASSERT_EQ(me.find("accounts")->items().size(), 1u);
  EXPECT_EQ(field(me.find("accounts")->items()[0], "role"), "admin");
  EXPECT_EQ(me.find("accounts")->items()[0].find("password_hash"), nullptr);

  auto wrong = call("POST", "/api/login", R"({"email":"root@example.org","password":"nope"})");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(field(*json(wrong).find("error"), "code"), "bad_credentials");
  auto unknown = call("POST", "/api/login", R"({"email":"who@example.org","password":"nope"})");
  EXPECT_EQ(unknown.status, 401) << "an unknown email answers like a wrong password";
  auto garbage = call("POST", "/api/login", "{not json");
  EXPECT_EQ(garbage.status, 400);
  int limited = 0;
  for (int i = 0; i < 8 && limited == 0; ++i) {
    auto r = call("POST", "/api/login", R"({"email":"root@example.org","password":"guess"})");
    if (r.status == 429) ++limited;
  }
  EXPECT_EQ(limited, 1) << "the account's attempts are rate limited";
  // A second admin on the command line for the same email is refused.
  EXPECT_NE(create_account_on_command_line("root@example.org", "Again", admin_password), 0);
}

TEST_F(Team, AnAdminsChangeToAnAccountClosesItsConsolesWithinASecond) {
  auto [root, root_refresh] = sign_in("root@example.org", admin_password);
  auto made = call("POST", "/api/accounts",
                   R"({"id":"ada","email":"ada@example.org","display_name":"Ada",)"
                   R"("role":"agent","departments":["billing"],"capacity":3,)"
                   R"("password":"ada's long password"})",
                   root);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(call("POST", "/api/accounts",
                 R"({"id":"ada","email":"x@example.org","display_name":"A",)"
                 R"("password":"0123456789"})",
                 root)
                .status,
            409)
      << "the id is taken";
  auto [ada, ada_refresh] = sign_in("ada@example.org", "ada's long password");
  EXPECT_EQ(call("GET", "/api/accounts", "", ada).status, 403) << "agents manage nobody";

  auto console = connect(*node_);
  auto welcome = agent_hello(*console, ada);
  EXPECT_EQ(welcome.user_id(), "ada");

  // Promoted: the console is closed at once, and its renewal brings the new role.
  const auto t0 = std::chrono::steady_clock::now();
  auto promoted = call("PATCH", "/api/accounts/ada", R"({"role":"supervisor"})", root);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_TRUE(console->wait_closed(2s)) << "still connected after the role change";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  auto renewed = call("POST", "/api/session/renew", R"({"refresh_token":")" + ada_refresh + "\"}");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(field(*json(renewed).find("account"), "role"), "supervisor");
  const auto new_token = field(json(renewed), "token");
  EXPECT_EQ(call("GET", "/api/queue", "", ada).status, 401) << "the old token is refused";
  EXPECT_EQ(call("GET", "/api/queue", "", new_token).status, 200);
  auto again = connect(*node_);
  EXPECT_EQ(agent_hello(*again, new_token).user_id(), "ada");

  // Disabled: closed, and no renewal or sign-in brings them back.
  auto disabled = call("PATCH", "/api/accounts/ada", R"({"enabled":false})", root);
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_TRUE(again->wait_closed(2s));
  EXPECT_EQ(
      call("POST", "/api/session/renew", R"({"refresh_token":")" + ada_refresh + "\"}").status,
      401);
  EXPECT_EQ(
      call("POST", "/api/login", R"({"email":"ada@example.org","password":"ada's long password"})")
          .status,
      403);
  auto refused = connect(*node_);
  pb::ClientEnvelope hello;
  hello.mutable_hello()->set_agent_token(new_token);
  auto r = refused->request(hello);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), pb::ERROR_CODE_UNAUTHENTICATED);

  // The last admin cannot lock everyone out.
  auto last = call("PATCH", "/api/accounts/root", R"({"enabled":false})", root);
  EXPECT_EQ(last.status, 409) << last.body;

  auto audit = call("GET", "/api/audit?limit=50", "", root);
  ASSERT_EQ(audit.status, 200);
  for (const char* action : {"account_create", "account_update", "sign_in"}) {
    EXPECT_NE(audit.body.find(std::string("\"action\":\"") + action + "\""), std::string::npos)
        << action << " in " << audit.body;
  }
  EXPECT_EQ(audit.body.find("password\":\"ada"), std::string::npos) << "no password in the log";
}

TEST_F(Team, CannedResponsesAndTagsAreManagedBySupervisorsOfTheirDepartment) {
  auto [root, r1] = sign_in("root@example.org", admin_password);
  for (const auto& [id, role] : {std::pair{"sam", "supervisor"}, std::pair{"al", "agent"}}) {
    auto made = call("POST", "/api/accounts",
                     std::string(R"({"id":")") + id + R"(","email":")" + id +
                         R"(@example.org","display_name":")" + id + R"(","role":")" + role +
                         R"(","departments":["billing"],"password":"long enough password"})",
                     root);
    ASSERT_EQ(made.status, 201) << made.body;
  }
  auto [sam, r2] = sign_in("sam@example.org", "long enough password");
  auto [al, r3] = sign_in("al@example.org", "long enough password");
  auto seeded = json(call("GET", "/api/canned", "", al));
  ASSERT_TRUE(seeded.find("canned"));
  const auto seeds = seeded.find("canned")->items().size();
  EXPECT_GE(seeds, 5u);
  const std::string reply = R"({"department":"billing","shortcut":"refund","text":"Hi {visitor}"})";
  EXPECT_EQ(call("POST", "/api/canned", reply, al).status, 403);
  EXPECT_EQ(call("POST", "/api/canned",
                 R"({"department":"tech","shortcut":"x","text":"not my department"})", sam)
                .status,
            403);
  auto made = call("POST", "/api/canned", reply, sam);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(call("POST", "/api/canned", reply, sam).status, 409);
  EXPECT_EQ(json(call("GET", "/api/canned", "", al)).find("canned")->items().size(), seeds + 1);
  const auto id = json(made).find("id")->as_int64().value_or(0);
  EXPECT_GT(id, 0) << made.body;
  EXPECT_EQ(call("DELETE", "/api/canned/" + std::to_string(id), "", al).status, 403);
  EXPECT_EQ(call("DELETE", "/api/canned/" + std::to_string(id), "", sam).status, 200);

  EXPECT_EQ(call("POST", "/api/tags", R"({"name":"refund"})", al).status, 403);
  EXPECT_EQ(call("POST", "/api/tags", R"({"name":"Bad Tag"})", sam).status, 400);
  EXPECT_EQ(call("POST", "/api/tags", R"({"name":"refund"})", sam).status, 201);
  EXPECT_NE(call("GET", "/api/tags", "", al).body.find("\"refund\""), std::string::npos);

  // A tag the team offers goes on a chat, and the archive keeps it, searchable.
  auto agent = connect(*node_);
  agent_hello(*agent, al);
  set_presence(*agent, pb::PRESENCE_STATUS_ONLINE);
  auto visitor = connect(*node_);
  visitor_hello(*visitor);
  const auto conv = join(*visitor, "Vic", "billing", "my refund?").conversation_id();
  ASSERT_TRUE(agent->wait_for([&](const auto& e) { return e.has_assigned(); }, 5s));
  pb::ClientEnvelope tags;
  tags.mutable_set_tags()->set_conversation_id(conv);
  tags.mutable_set_tags()->add_tags("unknown-tag");
  auto refused = agent->request(tags);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), pb::ERROR_CODE_INVALID_ARGUMENT);
  tags.mutable_set_tags()->set_tags(0, "refund");
  ASSERT_TRUE(agent->request(tags).has_ack());
  pb::ClientEnvelope close;
  close.mutable_close()->set_conversation_id(conv);
  ASSERT_TRUE(agent->request(close).has_ack());
  std::string found;
  for (int i = 0; i < 100 && found.find(conv) == std::string::npos; ++i) {
    found = call("GET", "/api/conversations?tag=refund", "", root).body;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(found.find(conv), std::string::npos) << found;
  // And the stats report it by tag.
  auto by_tag = call("GET", "/api/stats?group=tag", "", root);
  ASSERT_EQ(by_tag.status, 200) << by_tag.body;
  EXPECT_NE(by_tag.body.find("\"refund\""), std::string::npos) << by_tag.body;
  EXPECT_EQ(call("GET", "/api/stats?group=colour", "", root).status, 400);
}

}  // namespace
}  // namespace lc::test
