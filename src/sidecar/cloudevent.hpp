#pragma once
// CloudEvents 1.0 envelopes exactly as Dapr builds them on publish and reads them on delivery.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/expected.hpp"
#include "sidecar/trace_context.hpp"

namespace lf::sidecar {

using OrderedJson = nlohmann::ordered_json;

struct PublishInput {
  std::string app_id;       // becomes `source`
  std::string pubsub_name;
  std::string topic;
  std::string content_type;  // request Content-Type; empty means text/plain
  std::string body;
  std::map<std::string, std::string> metadata;  // from `metadata.<k>` query parameters
  std::optional<TraceContext> trace;
  WallTime now;
};

struct EnvelopeError {
  std::string message;
};

// Bytes to put on the broker: the envelope JSON, or the body untouched with metadata.rawPayload=true.
Expected<std::string, EnvelopeError> build_publish_payload(const PublishInput& in, const std::string& event_id);

bool is_raw_payload(const std::map<std::string, std::string>& metadata);

// What a subscriber-side sidecar makes of a broker message.
struct DeliveredEvent {
  OrderedJson envelope;  // what the app receives (synthesised around data_base64 for raw payloads)
  std::string id;
  std::optional<TraceContext> trace;
  std::optional<WallTime> expiration;
};

Expected<DeliveredEvent, EnvelopeError> read_delivered_event(std::string_view payload, bool raw_payload,
                                                             const std::string& pubsub_name, const std::string& topic);

std::string format_rfc3339_seconds(WallTime t);
std::optional<WallTime> parse_rfc3339(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace lf::sidecar
