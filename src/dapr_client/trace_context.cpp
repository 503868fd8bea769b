#include <algorithm>

#include "dapr_client/dapr_client.hpp"

namespace lf::dapr {
namespace {

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

// W3C caps tracestate at 32 list members; 512 characters is what it asks vendors to keep at least.
// Anything much larger is not a tracestate we should forward on every call.
constexpr std::size_t max_tracestate_length = 1024;

}  // namespace

bool is_valid_traceparent(std::string_view value) {
  constexpr std::size_t version_00_length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (value.size() < version_00_length) return false;
  const auto version = value.substr(0, 2);
  const auto trace_id = value.substr(3, 32);
  const auto parent_id = value.substr(36, 16);
  const auto flags = value.substr(53, 2);
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
  if (!is_lower_hex(version) || version == "ff") return false;
  if (!is_lower_hex(trace_id) || all_zero(trace_id) || !is_lower_hex(parent_id) || all_zero(parent_id)) return false;
  if (!is_lower_hex(flags)) return false;
  if (version == "00") return value.size() == version_00_length;
  return value.size() == version_00_length || value[version_00_length] == '-';
}

TraceContext TraceContext::from(std::string_view traceparent, std::string_view tracestate) {
  TraceContext trace;
  if (!is_valid_traceparent(traceparent)) return trace;
  trace.traceparent = std::string(traceparent);
  const bool printable =
      std::all_of(tracestate.begin(), tracestate.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (printable && tracestate.size() <= max_tracestate_length) trace.tracestate = std::string(tracestate);
  return trace;
}

TraceContext TraceContext::from_headers(const http::Headers& headers) {
  return from(headers.get_or("traceparent", ""), headers.get_or("tracestate", ""));
}

void TraceContext::add_to(HeaderList& headers) const {
  if (empty()) return;
  headers.emplace_back("traceparent", traceparent);
  if (!tracestate.empty()) headers.emplace_back("tracestate", tracestate);
}

}  // namespace lf::dapr
