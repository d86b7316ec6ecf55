#include "server/core/csv.hpp"

#include <gtest/gtest.h>

namespace lc::core {
namespace {

TEST(csv_cell, plain_values_pass_unchanged) {
  EXPECT_EQ(csv_cell("billing"), "billing");
  EXPECT_EQ(csv_cell(""), "");
  EXPECT_EQ(csv_cell("a-b"), "a-b");
}

TEST(csv_cell, quotes_separators_and_doubles_quotes) {
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("a\nb"), "\"a\nb\"");
}

// A cell a spreadsheet would run as a formula is shown as text instead.
TEST(csv_cell, formula_starts_are_defused) {
  EXPECT_EQ(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("-1"), "'-1");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("\tx"), "'\tx");
}

}  // namespace
}  // namespace lc::core
