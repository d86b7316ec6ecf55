#include "server/core/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lc::core {
namespace {

TEST(metrics, counter_accumulates_per_label_set) {
  metrics_registry m;
  m.declare_counter("chats_total", "Chats started.");
  m.add("chats_total");
  m.add("chats_total", 2);
  m.add("chats_total", 1, {{"department", "billing"}});
  EXPECT_EQ(m.counter_value("chats_total"), 3);
  EXPECT_EQ(m.counter_value("chats_total", {{"department", "billing"}}), 1);
  EXPECT_EQ(m.counter_value("chats_total", {{"department", "sales"}}), 0);
}

TEST(metrics, counter_renders_help_type_and_series) {
  metrics_registry m;
  m.declare_counter("chats_total", "Chats started.");
  m.add("chats_total", 1, {{"department", "billing"}, {"agent", "a1"}});
  m.add("chats_total", 2.5);
  EXPECT_EQ(m.render(),
            "# HELP chats_total Chats started.\n"
            "# TYPE chats_total counter\n"
            "chats_total 2.5\n"
            "chats_total{agent=\"a1\",department=\"billing\"} 1\n");
}

TEST(metrics, declared_but_unused_family_renders_header_only) {
  metrics_registry m;
  m.declare_gauge("agents_online", "Agents online.");
  EXPECT_EQ(m.render(), "# HELP agents_online Agents online.\n# TYPE agents_online gauge\n");
}

TEST(metrics, gauge_sets_and_clears) {
  metrics_registry m;
  m.declare_gauge("queue_length", "Visitors waiting.");
  m.set("queue_length", 4, {{"department", "a"}});
  m.set("queue_length", 2, {{"department", "a"}});
  m.set("queue_length", -1, {{"department", "b"}});
  EXPECT_EQ(m.gauge_value("queue_length", {{"department", "a"}}), 2);
  EXPECT_EQ(m.gauge_value("queue_length", {{"department", "b"}}), -1);
  m.clear("queue_length");
  EXPECT_EQ(m.gauge_value("queue_length", {{"department", "a"}}), 0);
  EXPECT_EQ(m.render().find("queue_length{"), std::string::npos);
}

TEST(metrics, label_values_are_escaped) {
  metrics_registry m;
  m.declare_gauge("g", "help");
  m.set("g", 1, {{"v", "a\\b\"c\nd"}});
  EXPECT_NE(m.render().find("g{v=\"a\\\\b\\\"c\\nd\"} 1\n"), std::string::npos) << m.render();
}

TEST(metrics, help_newlines_are_escaped) {
  metrics_registry m;
  m.declare_gauge("g", "line one\nline two \\");
  EXPECT_NE(m.render().find("# HELP g line one\\nline two \\\\\n"), std::string::npos);
}

TEST(metrics, histogram_buckets_are_cumulative) {
  metrics_registry m;
  m.declare_histogram("wait_seconds", "Queue wait.", {1, 0.5, 5});  // unsorted on purpose
  m.observe("wait_seconds", 0.25);
  m.observe("wait_seconds", 0.5);  // on the bound: counted in le="0.5"
  m.observe("wait_seconds", 3);
  m.observe("wait_seconds", 60);
  EXPECT_EQ(m.histogram_count("wait_seconds"), 4u);
  EXPECT_EQ(m.render(),
            "# HELP wait_seconds Queue wait.\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{le=\"0.5\"} 2\n"
            "wait_seconds_bucket{le=\"1\"} 2\n"
            "wait_seconds_bucket{le=\"5\"} 3\n"
            "wait_seconds_bucket{le=\"+Inf\"} 4\n"
            "wait_seconds_sum 63.75\n"
            "wait_seconds_count 4\n");
}

TEST(metrics, histogram_labels_merge_with_le_in_name_order) {
  metrics_registry m;
  m.declare_histogram("h", "help", {0.005});
  m.observe("h", 0.001, {{"department", "x"}, {"zone", "eu"}});
  const auto out = m.render();
  EXPECT_NE(out.find("h_bucket{department=\"x\",le=\"0.005\",zone=\"eu\"} 1\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("h_bucket{department=\"x\",le=\"+Inf\",zone=\"eu\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("h_sum{department=\"x\",zone=\"eu\"} 0.001\n"), std::string::npos);
  EXPECT_NE(out.find("h_count{department=\"x\",zone=\"eu\"} 1\n"), std::string::npos);
  EXPECT_EQ(m.histogram_count("h", {{"department", "x"}, {"zone", "eu"}}), 1u);
  EXPECT_EQ(m.histogram_count("h"), 0u);
}

TEST(metrics, families_render_in_name_order) {
  metrics_registry m;
  m.declare_gauge("zeta", "z");
  m.declare_counter("alpha", "a");
  m.declare_histogram("mid", "m", {1});
  const auto out = m.render();
  const auto a = out.find("# HELP alpha");
  const auto mid = out.find("# HELP mid");
  const auto z = out.find("# HELP zeta");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(mid, std::string::npos);
  ASSERT_NE(z, std::string::npos);
  EXPECT_LT(a, mid);
  EXPECT_LT(mid, z);
}

TEST(metrics, undeclared_names_throw) {
  metrics_registry m;
  EXPECT_THROW(m.add("nope"), std::logic_error);
  EXPECT_THROW(m.set("nope", 1), std::logic_error);
  EXPECT_THROW(m.observe("nope", 1), std::logic_error);
  EXPECT_THROW(m.clear("nope"), std::logic_error);
  EXPECT_THROW(m.counter_value("nope"), std::logic_error);
  EXPECT_THROW(m.gauge_value("nope"), std::logic_error);
  EXPECT_THROW(m.histogram_count("nope"), std::logic_error);
}

TEST(metrics, using_a_family_as_another_type_throws) {
  metrics_registry m;
  m.declare_counter("c", "help");
  m.declare_gauge("g", "help");
  EXPECT_THROW(m.set("c", 1), std::logic_error);
  EXPECT_THROW(m.add("g"), std::logic_error);
  EXPECT_THROW(m.observe("g", 1), std::logic_error);
  EXPECT_THROW(m.clear("c"), std::logic_error);
  EXPECT_THROW(m.declare_gauge("c", "help"), std::logic_error);
}

TEST(metrics, counters_cannot_go_down) {
  metrics_registry m;
  m.declare_counter("c", "help");
  EXPECT_THROW(m.add("c", -1), std::logic_error);
  EXPECT_EQ(m.counter_value("c"), 0);
}

TEST(metrics, redeclaring_the_same_family_keeps_its_series) {
  metrics_registry m;
  m.declare_counter("c", "help");
  m.add("c", 5);
  m.declare_counter("c", "help");
  EXPECT_EQ(m.counter_value("c"), 5);
  m.declare_histogram("h", "help", {1, 2});
  m.observe("h", 1.5);
  m.declare_histogram("h", "help", {2, 1});
  EXPECT_EQ(m.histogram_count("h"), 1u);
  EXPECT_THROW(m.declare_histogram("h", "help", {1, 2, 3}), std::logic_error);
}

}  // namespace
}  // namespace lc::core
