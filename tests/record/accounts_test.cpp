#include "server/record/accounts.hpp"

#include <gtest/gtest.h>

#include "server/record/audit_log.hpp"
#include "server/record/team_lists.hpp"
#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

account sample(const std::string& id, const std::string& email,
               core::staff_role role = core::staff_role::agent) {
  account a;
  a.id = id;
  a.email = email;
  a.display_name = "Name of " + id;
  a.role = role;
  a.departments = {"billing", "sales"};
  a.capacity = 4;
  a.password_hash = "scrypt$x";
  a.created_ms = a.updated_ms = 1000;
  return a;
}

TEST(Accounts, CreatedAccountsAreFoundByIdAndByEmailInAnyCase) {
  test::record_env env;
  create_account(env.db(), sample("ada", "Ada@Example.com", core::staff_role::supervisor));
  auto by_id = find_account(env.db(), "ada");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->email, "Ada@Example.com");
  EXPECT_EQ(by_id->role, core::staff_role::supervisor);
  EXPECT_EQ(by_id->departments, (std::vector<std::string>{"billing", "sales"}));
  EXPECT_EQ(by_id->capacity, 4u);
  EXPECT_TRUE(by_id->enabled);
  auto by_email = find_account_by_email(env.db(), "ada@EXAMPLE.com");
  ASSERT_TRUE(by_email);
  EXPECT_EQ(by_email->id, "ada");
  EXPECT_FALSE(find_account_by_email(env.db(), "nobody@example.com"));
  EXPECT_FALSE(find_account(env.db(), "nobody"));
}

TEST(Accounts, AnIdOrAnEmailTakenTwiceIsAUniqueViolation) {
  test::record_env env;
  create_account(env.db(), sample("ada", "ada@example.com"));
  for (const auto& dup : {sample("ada", "other@example.com"), sample("bob", "ADA@example.com")}) {
    try {
      create_account(env.db(), dup);
      FAIL() << "created a duplicate of " << dup.id;
    } catch (const pg_error& e) {
      EXPECT_EQ(e.sqlstate(), "23505");
    }
  }
  EXPECT_EQ(list_accounts(env.db()).size(), 1u);
}

TEST(Accounts, AnUpdateChangesOnlyTheFieldsGiven) {
  test::record_env env;
  create_account(env.db(), sample("ada", "ada@example.com"));
  account_change c;
  c.role = core::staff_role::admin;
  c.departments = std::vector<std::string>{};
  c.enabled = false;
  auto after = update_account(env.db(), "ada", c, 2000);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->role, core::staff_role::admin);
  EXPECT_TRUE(after->departments.empty());
  EXPECT_FALSE(after->enabled);
  EXPECT_EQ(after->email, "ada@example.com");
  EXPECT_EQ(after->capacity, 4u);
  EXPECT_EQ(after->password_hash, "scrypt$x");
  EXPECT_EQ(after->updated_ms, 2000);
  EXPECT_FALSE(update_account(env.db(), "nobody", c, 2000));
  EXPECT_EQ(enabled_admins(env.db()), 0u);
}

TEST(Accounts, SessionsRenewUntilTheyExpireOrAreClosed) {
  test::record_env env;
  create_account(env.db(), sample("ada", "ada@example.com"));
  create_account(env.db(), sample("bob", "bob@example.com"));
  open_session(env.db(), "h1", "ada", 1000, 5000, "127.0.0.1");
  open_session(env.db(), "h2", "ada", 1000, 5000, "127.0.0.1");
  open_session(env.db(), "h3", "bob", 1000, 5000, "127.0.0.1");
  ASSERT_TRUE(session_account(env.db(), "h1", 4999));
  EXPECT_EQ(session_account(env.db(), "h1", 4999)->id, "ada");
  EXPECT_FALSE(session_account(env.db(), "h1", 5000)) << "expired";
  EXPECT_FALSE(session_account(env.db(), "nope", 1000));
  close_session(env.db(), "h1");
  EXPECT_FALSE(session_account(env.db(), "h1", 2000));
  close_sessions_of(env.db(), "ada");
  EXPECT_FALSE(session_account(env.db(), "h2", 2000));
  EXPECT_TRUE(session_account(env.db(), "h3", 2000)) << "another account's session stays";
}

TEST(TeamLists, CannedResponsesAreScopedByDepartmentAndSeeded) {
  test::record_env env;
  const auto seeded = list_canned(env.db(), {}, false);
  ASSERT_GE(seeded.size(), 5u) << "the console's built-in replies are the seed";
  for (const auto& c : seeded) EXPECT_EQ(c.department, "");
  canned_response c{0, "billing", "refund", "Your refund is on its way, {visitor}.", "ada", 10};
  c.id = create_canned(env.db(), c);
  canned_response s{0, "sales", "demo", "Book a demo here.", "ada", 10};
  s.id = create_canned(env.db(), s);
  const auto billing = list_canned(env.db(), {"billing"}, false);
  EXPECT_EQ(billing.size(), seeded.size() + 1);
  EXPECT_EQ(list_canned(env.db(), {}, true).size(), seeded.size() + 2);
  try {
    create_canned(env.db(), c);
    FAIL() << "a department's shortcut taken twice";
  } catch (const pg_error& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
  }
  c.text = "changed";
  EXPECT_TRUE(update_canned(env.db(), c));
  EXPECT_EQ(find_canned(env.db(), c.id)->text, "changed");
  EXPECT_TRUE(delete_canned(env.db(), c.id));
  EXPECT_FALSE(delete_canned(env.db(), c.id));
  EXPECT_FALSE(find_canned(env.db(), c.id));
}

TEST(TeamLists, TagsAreAListOfUniqueNames) {
  test::record_env env;
  EXPECT_TRUE(create_tag(env.db(), "billing-issue", "ada", 1));
  EXPECT_FALSE(create_tag(env.db(), "billing-issue", "bob", 2));
  EXPECT_TRUE(create_tag(env.db(), "bug", "ada", 3));
  EXPECT_EQ(list_tags(env.db()), (std::vector<std::string>{"billing-issue", "bug"}));
  EXPECT_TRUE(delete_tag(env.db(), "bug"));
  EXPECT_FALSE(delete_tag(env.db(), "bug"));
}

TEST(AuditLog, EntriesComeNewestFirstAndFilterByWho) {
  test::record_env env;
  audit(env.db(), "ada", "account_create", "bob", "{\"role\":\"agent\"}", 1);
  audit(env.db(), "ada", "sign_in", "ada", "{}", 2);
  audit(env.db(), "carol", "tag_create", "bug", "{}", 3);
  auto all = audit_entries(env.db(), 10, 0, "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].action, "tag_create");
  EXPECT_EQ(all[2].detail_json, "{\"role\": \"agent\"}");
  auto bob = audit_entries(env.db(), 10, 0, "bob");
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].actor, "ada");
  auto older = audit_entries(env.db(), 1, all[0].id, "");
  ASSERT_EQ(older.size(), 1u);
  EXPECT_EQ(older[0].action, "sign_in");
}

}  // namespace
}  // namespace lc::record
