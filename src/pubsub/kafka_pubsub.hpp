#pragma once
// pubsub.kafka on librdkafka. Component metadata as Dapr's (kafka_metadata.hpp).
#include <map>
#include <memory>
#include <string>

#include "pubsub/pubsub.hpp"

namespace lf::pubsub {

struct KafkaContext {
  std::string app_id;                    // default consumer group
  std::string logger_scope = "dapr.contrib";
};

// Validates the metadata and creates the producer; no broker connection is awaited (use ping).
Result<std::unique_ptr<PubSub>> make_kafka_pubsub(const std::map<std::string, std::string>& metadata,
                                                  const KafkaContext& context);

}  // namespace lf::pubsub
