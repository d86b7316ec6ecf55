#include "server/record/departments.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

bool listed(pg_connection& db, const std::string& id) {
  const auto all = list_departments(db);
  return std::any_of(all.begin(), all.end(), [&](const auto& d) { return d.id == id; });
}

TEST(Departments, SeedingGivesNewIdsDefaultRowsAndKeepsEditedOnes) {
  test::record_env env;
  seed_departments(env.db(), {"billing", "sales"});
  auto rows = list_departments(env.db());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "billing");
  EXPECT_EQ(rows[0].display_name, "billing");
  EXPECT_EQ(rows[0].auto_away_seconds, 600) << "ten minutes unless an admin says otherwise";
  EXPECT_FALSE(rows[0].reassign_after_seconds);
  EXPECT_FALSE(rows[0].max_file_mb) << "the server's limit";
  EXPECT_EQ(rows[0].file_types, "");
  EXPECT_EQ(rows[0].pre_chat_form, "") << "no form, the default survey, no rules";
  EXPECT_EQ(rows[0].survey, "");
  EXPECT_EQ(rows[0].invitation_rules, "");

  auto edited = rows[0];
  edited.max_file_mb = 0;
  edited.file_types = "image/*,application/pdf";
  edited.display_name = "Billing & invoices";
  edited.pre_chat_form =
      R"([{"id":"plan","label":"Plan","kind":"select","required":true,"options":["a"]}])";
  edited.survey = R"({"scale":2,"comment":false,"questions":[]})";
  edited.invitation_rules =
      R"([{"text":"Hi","seconds_on_page":5,"url_pattern":"","visitors":"all"}])";
  edited.auto_away_seconds = 0;
  edited.reassign_after_seconds = 45;
  edited.updated_by = "ada";
  edited.updated_ms = 5000;
  save_department(env.db(), edited);
  seed_departments(env.db(), {"billing", "sales", "tech"});
  rows = list_departments(env.db());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], edited) << "a seed never overwrites an admin's edit";
  EXPECT_EQ(rows[2].id, "tech");
}

TEST(Departments, ARemovedDepartmentIsNotListedNorSeededBackUntilSavedAgain) {
  test::record_env env;
  seed_departments(env.db(), {"billing", "sales"});
  EXPECT_TRUE(remove_department(env.db(), "sales", "ada", 7000));
  EXPECT_FALSE(listed(env.db(), "sales"));
  EXPECT_FALSE(remove_department(env.db(), "sales", "ada", 7001)) << "already removed";
  EXPECT_FALSE(remove_department(env.db(), "nonesuch", "ada", 7001));

  seed_departments(env.db(), {"billing", "sales"});  // the next start, same --departments
  EXPECT_FALSE(listed(env.db(), "sales")) << "a restart does not bring it back";

  department_row again;
  again.id = "sales";
  again.display_name = "Sales";
  save_department(env.db(), again);
  EXPECT_TRUE(listed(env.db(), "sales")) << "an admin's save restores it";
}

}  // namespace
}  // namespace lc::record
