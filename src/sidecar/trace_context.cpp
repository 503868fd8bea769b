#include "sidecar/trace_context.hpp"

#include <cstdint>

namespace lf::sidecar {
namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

// Ids are made for every request, sampled or not: a table lookup per digit, not snprintf.
void append_hex64(std::string& out, std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  char buf[16];
  for (int i = 15; i >= 0; --i, v >>= 4) buf[i] = digits[v & 0xf];
  out.append(buf, sizeof buf);
}

}  // namespace

std::string TraceContext::traceparent() const {
  std::string out;
  out.reserve(3 + trace_id.size() + 1 + span_id.size() + 3);
  out.append("00-").append(trace_id).append("-").append(span_id).append(sampled ? "-01" : "-00");
  return out;
}

std::optional<TraceContext> parse_traceparent(std::string_view h, std::string_view tracestate) {
  // version(2) - trace(32) - span(16) - flags(2); future versions may append fields after a '-'.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  auto version = h.substr(0, 2), trace = h.substr(3, 32), span = h.substr(36, 16), flags = h.substr(53, 2);
  if (!is_lower_hex(version) || !is_lower_hex(trace) || !is_lower_hex(span) || !is_lower_hex(flags)) return std::nullopt;
  if (version == "ff" || all_zero(trace) || all_zero(span)) return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return TraceContext{std::string(trace), std::string(span), (flag_bits & 1) != 0, std::string(tracestate)};
}

TraceIdGenerator::TraceIdGenerator(std::uint64_t seed) : rng_(seed) {}

std::string TraceIdGenerator::new_trace_id() {
  std::string id;
  id.reserve(32);
  do {
    id.clear();
    append_hex64(id, rng_());
    append_hex64(id, rng_());
  } while (all_zero(id));
  return id;
}

std::string TraceIdGenerator::new_span_id() {
  std::string id;
  do {
    id.clear();
    append_hex64(id, rng_());
  } while (all_zero(id));
  return id;
}

TraceContext TraceIdGenerator::child_of(const std::optional<TraceContext>& parent, double sampling_rate) {
  if (parent) return TraceContext{parent->trace_id, new_span_id(), parent->sampled, parent->tracestate};
  bool sampled = sampling_rate >= 1.0 || (sampling_rate > 0.0 && unit_(rng_) < sampling_rate);
  return TraceContext{new_trace_id(), new_span_id(), sampled, {}};
}

}  // namespace lf::sidecar
