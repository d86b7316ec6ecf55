#include "server/core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace lc::core {

namespace {

// Prometheus accepts Go-style floats; shortest round-trip keeps integers free of ".0".
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// `{a="b",le="0.5"}`, or nothing at all for an empty set; `le` is merged in sorted order.
std::string render_labels(const labels& l, const std::string* le = nullptr) {
  labels all = l;
  if (le != nullptr) all["le"] = *le;
  if (all.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : all) {
    if (!first) out.push_back(',');
    first = false;
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

// Shared by the const and non-const lookups; a template so it can return the private type.
template <typename families_map>
auto& find_family(families_map& families, const std::string& name, const char* type) {
  auto it = families.find(name);
  if (it == families.end()) throw std::logic_error("metric not declared: " + name);
  if (it->second.type != type) {
    throw std::logic_error("metric " + name + " is a " + it->second.type + ", not a " + type);
  }
  return it->second;
}

// Declaring twice is fine (every component declares what it uses); changing the type is a bug.
template <typename families_map>
auto& declare_family(families_map& families, const std::string& name, const std::string& help,
                     const char* type) {
  auto [it, inserted] = families.try_emplace(name);
  if (!inserted && it->second.type != type) {
    throw std::logic_error("metric " + name + " redeclared as a " + type);
  }
  it->second.help = help;
  it->second.type = type;
  return it->second;
}

}  // namespace

metrics_registry::family& metrics_registry::get(const std::string& name, const char* type) {
  return find_family(families_, name, type);
}

void metrics_registry::declare_counter(const std::string& name, const std::string& help) {
  declare_family(families_, name, help, "counter");
}

void metrics_registry::declare_gauge(const std::string& name, const std::string& help) {
  declare_family(families_, name, help, "gauge");
}

void metrics_registry::declare_histogram(const std::string& name, const std::string& help,
                                         std::vector<double> upper_bounds) {
  std::sort(upper_bounds.begin(), upper_bounds.end());
  upper_bounds.erase(std::unique(upper_bounds.begin(), upper_bounds.end()), upper_bounds.end());
  // +Inf is always rendered; an explicit one would print twice.
  std::erase_if(upper_bounds, [](double b) { return std::isinf(b) || std::isnan(b); });
  auto& f = declare_family(families_, name, help, "histogram");
  // Existing series count per bound: new bounds would misalign them.
  if (!f.histograms.empty() && f.bounds != upper_bounds) {
    throw std::logic_error("histogram " + name + " redeclared with other bounds");
  }
  f.bounds = std::move(upper_bounds);
}

void metrics_registry::add(const std::string& counter, double delta, const labels& l) {
  if (delta < 0) throw std::logic_error("counter " + counter + " cannot decrease");
  get(counter, "counter").values[l] += delta;
}

void metrics_registry::set(const std::string& gauge, double value, const labels& l) {
  get(gauge, "gauge").values[l] = value;
}

void metrics_registry::observe(const std::string& histogram, double value, const labels& l) {
  auto& f = get(histogram, "histogram");
  auto& h = f.histograms[l];
  if (h.buckets.size() != f.bounds.size()) h.buckets.assign(f.bounds.size(), 0);
  for (std::size_t i = 0; i < f.bounds.size(); ++i) {
    if (value <= f.bounds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += value;
}

void metrics_registry::clear(const std::string& gauge) {
  get(gauge, "gauge").values.clear();
}

double metrics_registry::counter_value(const std::string& name, const labels& l) const {
  auto& f = find_family(families_, name, "counter");
  auto it = f.values.find(l);
  return it == f.values.end() ? 0.0 : it->second;
}

double metrics_registry::gauge_value(const std::string& name, const labels& l) const {
  auto& f = find_family(families_, name, "gauge");
  auto it = f.values.find(l);
  return it == f.values.end() ? 0.0 : it->second;
}

std::uint64_t metrics_registry::histogram_count(const std::string& name, const labels& l) const {
  auto& f = find_family(families_, name, "histogram");
  auto it = f.histograms.find(l);
  return it == f.histograms.end() ? 0 : it->second.count;
}

std::string metrics_registry::render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    if (f.type != "histogram") {
      for (const auto& [l, v] : f.values) {
        out += name + render_labels(l) + " " + format_value(v) + "\n";
      }
      continue;
    }
    for (const auto& [l, h] : f.histograms) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += h.buckets[i];
        const std::string le = format_value(f.bounds[i]);
        out += name + "_bucket" + render_labels(l, &le) + " " + std::to_string(cumulative) + "\n";
      }
      const std::string inf = "+Inf";
      out += name + "_bucket" + render_labels(l, &inf) + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + render_labels(l) + " " + format_value(h.sum) + "\n";
      out += name + "_count" + render_labels(l) + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace lc::core
