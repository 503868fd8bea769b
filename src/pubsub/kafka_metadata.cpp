#include "pubsub/kafka_metadata.hpp"

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace lf::pubsub {
namespace {

using Map = std::map<std::string, std::string>;

// Dapr's metadata decoder matches keys case-insensitively.
const std::string* find(const Map& metadata, std::string_view key) {
  for (const auto& [k, v] : metadata)
    if (iequals(k, key)) return &v;
  return nullptr;
}

std::string field_error(std::string_view field, const std::string& value, std::string_view expected) {
  return "pubsub.kafka: metadata " + std::string(field) + " has the invalid value \"" + value + "\"; expected " +
         std::string(expected);
}

Status read_duration(const Map& metadata, std::string_view field, Duration& out) {
  const std::string* value = find(metadata, field);
  if (!value || trim(*value).empty()) return {};
  auto parsed = parse_dapr_duration(trim(*value));
  if (!parsed || *parsed < Duration::zero())
    return fail(field_error(field, *value, "a duration such as \"5s\" or a number of milliseconds"));
  out = *parsed;
  return {};
}

Status read_int(const Map& metadata, std::string_view field, int64_t& out, int64_t minimum) {
  const std::string* value = find(metadata, field);
  if (!value || trim(*value).empty()) return {};
  long long parsed = 0;
  if (!parse_int64(trim(*value), parsed) || parsed < minimum)
    return fail(field_error(field, *value, "an integer of at least " + std::to_string(minimum)));
  out = parsed;
  return {};
}

Status read_bool(const Map& metadata, std::string_view field, bool& out) {
  const std::string* value = find(metadata, field);
  if (!value || trim(*value).empty()) return {};
  std::string v = to_lower(trim(*value));
  if (v == "true" || v == "1" || v == "t") out = true;
  else if (v == "false" || v == "0" || v == "f") out = false;
  else return fail(field_error(field, *value, "true or false"));
  return {};
}

}  // namespace

Result<KafkaMetadata> parse_kafka_metadata(const Map& metadata, const std::string& app_id) {
  KafkaMetadata out;
  const std::string* brokers = find(metadata, "brokers");
  if (!brokers || trim(*brokers).empty())
    return fail("pubsub.kafka: metadata brokers is required (for example brokers: \"127.0.0.1:9092\")");
  for (auto broker : split(trim(*brokers), ',')) {
    if (!out.brokers.empty()) out.brokers += ",";
    out.brokers += std::string(trim(broker));
  }

  const std::string* auth = find(metadata, "authType");
  if (!auth || trim(*auth).empty())
    return fail("pubsub.kafka: metadata authType is required; set authType: \"none\" (the only type LearnFlow supports)");
  if (to_lower(trim(*auth)) != "none")
    return fail("pubsub.kafka: authType \"" + *auth + "\" is not supported; LearnFlow supports only authType: \"none\"");

  if (const std::string* group = find(metadata, "consumerGroup"); group && !trim(*group).empty())
    out.consumer_group = std::string(trim(*group));
  else if (const std::string* id = find(metadata, "consumerID"); id && !trim(*id).empty())
    out.consumer_group = std::string(trim(*id));
  else
    out.consumer_group = app_id;
  if (out.consumer_group.empty())
    return fail("pubsub.kafka: no consumer group; set metadata consumerGroup or run with an app id");

  if (const std::string* client = find(metadata, "clientID"); client && !trim(*client).empty())
    out.client_id = std::string(trim(*client));

  if (const std::string* offset = find(metadata, "initialOffset"); offset && !trim(*offset).empty()) {
    std::string v = to_lower(trim(*offset));
    if (v == "oldest") out.initial_offset_oldest = true;
    else if (v == "newest") out.initial_offset_oldest = false;
    else return fail(field_error("initialOffset", *offset, "newest or oldest"));
  }

  if (const std::string* policy = find(metadata, "backOffPolicy");
      policy && !trim(*policy).empty() && to_lower(trim(*policy)) != "constant")
    return fail("pubsub.kafka: backOffPolicy \"" + *policy + "\" is not supported; LearnFlow supports only \"constant\"");

  for (auto status : {read_int(metadata, "maxMessageBytes", out.max_message_bytes, 1000),
                      read_int(metadata, "backOffMaxRetries", out.back_off_max_retries, -1),
                      read_bool(metadata, "consumeRetryEnabled", out.consume_retry_enabled),
                      read_duration(metadata, "backOffDuration", out.back_off_duration),
                      read_duration(metadata, "consumeRetryInterval", out.consume_retry_interval),
                      read_duration(metadata, "sessionTimeout", out.session_timeout),
                      read_duration(metadata, "heartbeatInterval", out.heartbeat_interval),
                      read_duration(metadata, "writeTimeout", out.publish_timeout)}) {
    if (!status) return unexpected(status.error());
  }
  if (out.max_message_bytes > 1'000'000'000)
    return fail(field_error("maxMessageBytes", std::to_string(out.max_message_bytes), "at most 1000000000"));
  if (out.heartbeat_interval >= out.session_timeout)
    return fail("pubsub.kafka: heartbeatInterval must be shorter than sessionTimeout");
  if (out.publish_timeout <= Duration::zero())
    return fail(field_error("writeTimeout", "0", "a positive duration"));
  return out;
}

}  // namespace lf::pubsub
