#pragma once
// Prometheus metrics with the text exposition format (0.0.4). Names are used exactly as given:
// Dapr's OpenCensus names carry no "_total" (dapr_http_server_request_count), ours may.
// Label lookups take a mutex once and allocate only when a series is first created; keep the
// returned reference to update lock-free.
#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lf::metrics {

class Counter {
 public:
  void inc(double by = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1.0);
  void dec(double by = 1.0) { inc(-by); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void observe(double v);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  // Cumulative counts per upper bound (same order as the bounds), then +Inf.
  std::vector<std::uint64_t> cumulative() const;

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

enum class Type { counter, gauge, histogram };

// Orders label tuples element by element and accepts any range of string-likes, so a lookup with
// string_views finds an existing series without building a vector<string> key first (the sidecar
// does ten such lookups per request).
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// All series of one metric name: one per distinct label-value tuple.
template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds = {})
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

  // Values in the order of label_names; missing values are empty strings.
  Metric& with(const std::vector<std::string>& values);
  Metric& with(std::initializer_list<std::string_view> values) { return lookup(std::span(values.begin(), values.size())); }
  // Reads a series without creating it (nullptr if absent); for tests and checks.
  const Metric* find(const std::vector<std::string>& values) const;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  void render(std::string& out, std::string_view type) const;

 private:
  template <typename Values>
  Metric& lookup(const Values& values);
  Metric& create(const std::vector<std::string>& key);
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, LabelValuesLess> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  // Re-registering a name returns the existing family (labels must agree).
  CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                             std::vector<double> bounds);

  // Called at each scrape before rendering (e.g. to refresh process gauges).
  void on_collect(std::function<void()> fn);
  std::string render() const;

 private:
  struct Entry {
    Type type;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> families_;
  std::vector<std::function<void()>> collectors_;
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_start_time_seconds, process_open_fds, process_max_fds (read from /proc at scrape).
void register_process_metrics(Registry& registry);

// Dapr's bucket boundaries: latency in milliseconds and sizes in bytes.
const std::vector<double>& dapr_latency_buckets_ms();
const std::vector<double>& dapr_size_buckets_bytes();

// Label-value escaping for the exposition format (backslash, quote, newline).
std::string escape_label_value(std::string_view v);
std::string format_value(double v);

}  // namespace lf::metrics
