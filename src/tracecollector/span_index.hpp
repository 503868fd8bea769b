#pragma once
// The in-memory index of the collector: spans by trace id, the service names, and the queries of
// Zipkin's read API. Bounded: beyond max_spans the oldest traces are forgotten (the span log on
// disk keeps them until it rotates).
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "tracecollector/span_model.hpp"

namespace lf::tracecollector {

struct TraceQuery {
  std::string service_name;  // empty: any service
  std::size_t limit = 10;
  std::int64_t end_ts_us = 0;    // the window's end (Zipkin's endTs, in ms, times 1000)
  std::int64_t lookback_us = 0;  // 0: no lower bound
};

class SpanIndex {
 public:
  explicit SpanIndex(std::size_t max_spans = 500000) : max_spans_(max_spans) {}

  void add(StoredSpan span);
  std::vector<std::string> services() const;  // sorted
  // The spans of one trace ordered by timestamp (nullopt when unknown).
  std::optional<std::vector<const StoredSpan*>> trace(const std::string& trace_id) const;
  // Traces with a span of the service inside the window, newest first, at most limit.
  std::vector<std::vector<const StoredSpan*>> traces(const TraceQuery& query) const;
  std::size_t span_count() const { return span_count_; }
  std::size_t trace_count() const { return traces_.size(); }

 private:
  struct Trace {
    std::vector<StoredSpan> spans;
    std::int64_t first_us = 0, last_us = 0;  // span timestamps seen (0: none)
  };
  void evict_oldest();

  std::size_t max_spans_;
  std::size_t span_count_ = 0;
  std::unordered_map<std::string, Trace> traces_;
  std::deque<std::string> arrival_;  // trace ids in the order they first arrived
  std::map<std::string, std::size_t> service_spans_;  // service name → spans held
};

}  // namespace lf::tracecollector
