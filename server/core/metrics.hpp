#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lc::core {

// Label set of one series, e.g. {{"department","billing"}}; kept sorted by name.
using labels = std::map<std::string, std::string>;

// Prometheus-style metrics held in memory and rendered in the text exposition format 0.0.4.
// Single-threaded by design: the server runs one event loop per process.
class metrics_registry {
 public:
  // Declares a family; help text and type are printed once per family.
  void declare_counter(const std::string& name, const std::string& help);
  void declare_gauge(const std::string& name, const std::string& help);
  void declare_histogram(const std::string& name, const std::string& help,
                         std::vector<double> upper_bounds);

  void add(const std::string& counter, double delta = 1.0, const labels& l = {});
  void set(const std::string& gauge, double value, const labels& l = {});
  void observe(const std::string& histogram, double value, const labels& l = {});
  // Drops every series of a gauge family (before re-setting per-department gauges).
  void clear(const std::string& gauge);

  double counter_value(const std::string& name, const labels& l = {}) const;
  double gauge_value(const std::string& name, const labels& l = {}) const;
  std::uint64_t histogram_count(const std::string& name, const labels& l = {}) const;

  std::string render() const;

 private:
  struct histogram_series {
    std::vector<std::uint64_t> buckets;  // cumulative at render time, per bound here
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct family {
    std::string help;
    std::string type;  // counter | gauge | histogram
    std::vector<double> bounds;
    std::map<labels, double> values;
    std::map<labels, histogram_series> histograms;
  };
  family& get(const std::string& name, const char* type);
  std::map<std::string, family> families_;
};

}  // namespace lc::core
