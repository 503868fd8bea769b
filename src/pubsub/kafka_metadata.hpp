#pragma once
// pubsub.kafka component metadata (Dapr's field names and defaults, see docs/ and dapr.md §5.1).
#include <cstdint>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::pubsub {

struct KafkaMetadata {
  std::string brokers;         // comma-separated host:port list
  std::string consumer_group;  // default: the app id (Dapr's consumerID)
  std::string client_id = "sarama";  // Dapr's actual default (sarama's), not the app id its docs claim
  bool initial_offset_oldest = false;  // initialOffset: newest (default) | oldest
  int64_t max_message_bytes = 1024 * 1024;
  Duration back_off_duration = std::chrono::seconds(5);  // per-message retry pause (constant policy)
  int64_t back_off_max_retries = -1;                     // -1: retry forever, as Dapr
  bool consume_retry_enabled = true;
  Duration consume_retry_interval = std::chrono::milliseconds(100);
  Duration session_timeout = std::chrono::seconds(10);
  Duration heartbeat_interval = std::chrono::seconds(3);
  // Longest a publish may stay unacknowledged (Dapr's writeTimeout bounds sarama's send).
  Duration publish_timeout = std::chrono::seconds(30);
};

// Parses the component's metadata map; app_id is the consumer group default. Errors name the field.
Result<KafkaMetadata> parse_kafka_metadata(const std::map<std::string, std::string>& metadata,
                                           const std::string& app_id);

}  // namespace lf::pubsub
