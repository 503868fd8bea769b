#include "tracecollector/span_index.hpp"

#include <algorithm>

namespace lf::tracecollector {

void SpanIndex::add(StoredSpan span) {
  auto [it, inserted] = traces_.try_emplace(span.trace_id);
  if (inserted) arrival_.push_back(span.trace_id);
  Trace& trace = it->second;
  if (span.timestamp_us > 0) {
    trace.first_us = trace.first_us == 0 ? span.timestamp_us : std::min(trace.first_us, span.timestamp_us);
    trace.last_us = std::max(trace.last_us, span.timestamp_us);
  }
  for (const auto* name : {&span.service_name, &span.remote_service_name})
    if (!name->empty()) ++service_spans_[*name];
  trace.spans.push_back(std::move(span));
  ++span_count_;
  while (span_count_ > max_spans_ && arrival_.size() > 1) evict_oldest();
}

void SpanIndex::evict_oldest() {
  auto it = traces_.find(arrival_.front());
  arrival_.pop_front();
  if (it == traces_.end()) return;
  for (const auto& span : it->second.spans) {
    for (const auto* name : {&span.service_name, &span.remote_service_name}) {
      if (name->empty()) continue;
      auto count = service_spans_.find(*name);
      if (count != service_spans_.end() && --count->second == 0) service_spans_.erase(count);
    }
  }
  span_count_ -= it->second.spans.size();
  traces_.erase(it);
}

std::vector<std::string> SpanIndex::services() const {
  std::vector<std::string> out;
  for (const auto& [name, count] : service_spans_) out.push_back(name);
  return out;
}

namespace {
std::vector<const StoredSpan*> ordered(const std::vector<StoredSpan>& spans) {
  std::vector<const StoredSpan*> out;
  out.reserve(spans.size());
  for (const auto& s : spans) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(), [](const StoredSpan* a, const StoredSpan* b) { return a->timestamp_us < b->timestamp_us; });
  return out;
}
}  // namespace

std::optional<std::vector<const StoredSpan*>> SpanIndex::trace(const std::string& trace_id) const {
  auto it = traces_.find(trace_id);
  if (it == traces_.end()) return std::nullopt;
  return ordered(it->second.spans);
}

std::vector<std::vector<const StoredSpan*>> SpanIndex::traces(const TraceQuery& query) const {
  std::vector<const std::pair<const std::string, Trace>*> matches;
  const std::int64_t begin_us = query.lookback_us > 0 ? query.end_ts_us - query.lookback_us : 0;
  for (const auto& entry : traces_) {
    const Trace& trace = entry.second;
    if (query.end_ts_us > 0 && trace.first_us > query.end_ts_us) continue;
    if (trace.last_us > 0 && trace.last_us < begin_us) continue;
    if (trace.last_us == 0 && begin_us > 0) continue;  // no timestamp: outside every bounded window
    if (!query.service_name.empty()) {
      bool has_service = std::any_of(trace.spans.begin(), trace.spans.end(), [&](const StoredSpan& s) {
        return s.service_name == query.service_name || s.remote_service_name == query.service_name;
      });
      if (!has_service) continue;
    }
    matches.push_back(&entry);
  }
  std::sort(matches.begin(), matches.end(), [](const auto* a, const auto* b) {
    return a->second.first_us != b->second.first_us ? a->second.first_us > b->second.first_us : a->first < b->first;
  });
  if (matches.size() > query.limit) matches.resize(query.limit);
  std::vector<std::vector<const StoredSpan*>> out;
  for (const auto* match : matches) out.push_back(ordered(match->second.spans));
  return out;
}

}  // namespace lf::tracecollector
