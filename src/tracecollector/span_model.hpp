#pragma once
// Zipkin v2 spans as the collector receives them: validation of a POST /api/v2/spans body
// (untrusted: any input yields spans or an error message, never an exception) and the
// normalized form that is stored and served back.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace lf::tracecollector {

struct StoredSpan {
  std::string trace_id;      // lower-case hex, 16 or 32 digits
  std::string id;            // lower-case hex, 16 digits
  std::string parent_id;     // empty for a root span
  std::string service_name;  // localEndpoint.serviceName, lower-cased as Zipkin does; may be empty
  std::string remote_service_name;
  std::int64_t timestamp_us = 0;  // 0 when absent
  nlohmann::json json;            // the normalized span, as served back
};

// Parses a Zipkin v2 JSON array of spans. The whole batch is rejected when one span is invalid
// (Zipkin does the same): the message names the span's index and the field.
Result<std::vector<StoredSpan>> parse_span_batch(std::string_view body);

// One span from its normalized JSON (a stored line); the same checks as a posted span.
Result<StoredSpan> span_from_json(const nlohmann::json& span);

}  // namespace lf::tracecollector
