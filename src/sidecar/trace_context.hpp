#pragma once
// W3C Trace Context (traceparent/tracestate) as Dapr propagates it through invocation and, inside
// the CloudEvent, through Kafka.
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace lf::sidecar {

struct TraceContext {
  std::string trace_id;   // 32 lowercase hex
  std::string span_id;    // 16 lowercase hex
  bool sampled = false;
  std::string tracestate;

  std::string traceparent() const;  // "00-<trace>-<span>-01"
};

// Parses "00-<32 hex>-<16 hex>-<2 hex>"; rejects all-zero ids and version ff, as the spec says.
std::optional<TraceContext> parse_traceparent(std::string_view header, std::string_view tracestate = {});

// Ids drawn from a random source; sampling decides only for new roots (parent-based otherwise).
class TraceIdGenerator {
 public:
  explicit TraceIdGenerator(std::uint64_t seed = std::random_device{}());
  std::string new_trace_id();
  std::string new_span_id();
  // A child span of parent, or a new root sampled with probability sampling_rate.
  TraceContext child_of(const std::optional<TraceContext>& parent, double sampling_rate);

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace lf::sidecar
