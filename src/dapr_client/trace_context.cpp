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

TraceContext TraceContext::from_headers(const http::Headers& headers) {
  TraceContext trace;
  auto parent = headers.get("traceparent");
  if (!parent || !is_valid_traceparent(*parent)) return trace;
  trace.traceparent = std::string(*parent);
  if (auto state = headers.get("tracestate"); state && !state->empty() && state->size() <= max_tracestate_length)
    trace.tracestate = std::string(*state);
  return trace;
}

void TraceContext::add_to(HeaderList& headers) const {
  if (empty()) return;
  headers.emplace_back("traceparent", traceparent);
  if (!tracestate.empty()) headers.emplace_back("tracestate", tracestate);
}

}  // namespace lf::dapr
