#include "metrics/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lf::metrics {

namespace {
void atomic_add(std::atomic<double>& a, double by) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + by, std::memory_order_relaxed)) {
  }
}

void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_help_type(std::string& out, const std::string& name, const std::string& help, std::string_view type) {
  out += "# HELP " + name + " ";
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += "\n# TYPE " + name + " ";
  out += type;
  out += '\n';
}
}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest text that reads back as the same double (0.0025, not 0.0025000000000000001),
  // as Prometheus' own client libraries print.
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void Counter::inc(double by) {
  if (by < 0) return;  // counters only go up
  atomic_add(value_, by);
}

void Gauge::inc(double by) { atomic_add(value_, by); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds->size() + 1]) {
  for (std::size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  auto it = std::lower_bound(bounds_->begin(), bounds_->end(), v);  // le semantics: v <= bound
  buckets_[static_cast<std::size_t>(it - bounds_->begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out(bounds_->size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

template <typename Metric>
Metric& Family<Metric>::create(const std::vector<std::string>& key) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return *series_.emplace(key, std::make_unique<Histogram>(&bounds_)).first->second;
  } else {
    return *series_.emplace(key, std::make_unique<Metric>()).first->second;
  }
}

template <typename Metric>
template <typename Values>
Metric& Family<Metric>::lookup(const Values& values) {
  if (values.size() == label_names_.size()) {  // the usual case: no key to normalize
    std::lock_guard lock(mutex_);
    if (auto it = series_.find(values); it != series_.end()) return *it->second;
  }
  // Extra values are dropped and missing ones are empty, as documented on with().
  std::vector<std::string> key(label_names_.size());
  for (std::size_t i = 0; i < key.size() && i < values.size(); ++i) key[i] = std::string(values[i]);
  std::lock_guard lock(mutex_);
  auto it = series_.find(key);
  if (it != series_.end()) return *it->second;
  return create(key);
}

template <typename Metric>
Metric& Family<Metric>::with(const std::vector<std::string>& values) {
  return lookup(values);
}

template <typename Metric>
const Metric* Family<Metric>::find(const std::vector<std::string>& values) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(values);
  return it == series_.end() ? nullptr : it->second.get();
}

template <typename Metric>
void Family<Metric>::render(std::string& out, std::string_view type) const {
  append_help_type(out, name_, help_, type);
  std::lock_guard lock(mutex_);
  for (const auto& [labels, metric] : series_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      auto cumulative = metric->cumulative();
      for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        out += name_ + "_bucket";
        append_labels(out, label_names_, labels, "le", i < bounds_.size() ? format_value(bounds_[i]) : "+Inf");
        out += ' ' + std::to_string(cumulative[i]) + '\n';
      }
      out += name_ + "_sum";
      append_labels(out, label_names_, labels);
      out += ' ' + format_value(metric->sum()) + '\n';
      out += name_ + "_count";
      append_labels(out, label_names_, labels);
      out += ' ' + std::to_string(metric->count()) + '\n';
    } else {
      out += name_;
      append_labels(out, label_names_, labels);
      out += ' ' + format_value(metric->value()) + '\n';
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

CounterFamily& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& e = families_[name];
  if (!e.counter) {
    e.type = Type::counter;
    e.counter = std::make_unique<CounterFamily>(name, help, std::move(labels));
  }
  return *e.counter;
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& e = families_[name];
  if (!e.gauge) {
    e.type = Type::gauge;
    e.gauge = std::make_unique<GaugeFamily>(name, help, std::move(labels));
  }
  return *e.gauge;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                                     std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& e = families_[name];
  if (!e.histogram) {
    e.type = Type::histogram;
    std::sort(bounds.begin(), bounds.end());
    e.histogram = std::make_unique<HistogramFamily>(name, help, std::move(labels), std::move(bounds));
  }
  return *e.histogram;
}

void Registry::on_collect(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(fn));
}

std::string Registry::render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c();
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, e] : families_) {
    switch (e.type) {
      case Type::counter: e.counter->render(out, "counter"); break;
      case Type::gauge: e.gauge->render(out, "gauge"); break;
      case Type::histogram: e.histogram->render(out, "histogram"); break;
    }
  }
  return out;
}

const std::vector<double>& dapr_latency_buckets_ms() {
  static const std::vector<double> b = {1,   2,   3,   4,   5,   6,    8,    10,   13,    16,    20,    25,
                                        30,  40,  50,  65,  80,  100,  130,  160,  200,   250,   300,   400,
                                        500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000};
  return b;
}

const std::vector<double>& dapr_size_buckets_bytes() {
  static const std::vector<double> b = {1024,     2048,      4096,      16384,      65536,      262144,    1048576,
                                        4194304,  16777216,  67108864,  268435456,  1073741824, 4294967296};
  return b;
}

}  // namespace lf::metrics
