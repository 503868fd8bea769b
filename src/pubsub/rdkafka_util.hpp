#pragma once
// Shared librdkafka plumbing of the producer and consumer (internal to lf_pubsub).
#include <librdkafka/rdkafka.h>

#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "log/log.hpp"
#include "pubsub/kafka_metadata.hpp"

namespace lf::pubsub::detail {

// The opaque of every handle: callbacks find their logger (and, by static_cast, their owner).
struct ClientContext {
  log::Logger logger{"dapr.contrib"};
};

int to_ms(Duration d);
// A configuration with the settings both clients share (brokers, client id, reconnect pacing,
// librdkafka's own log lines routed to the logger at debug level).
rd_kafka_conf_t* base_conf(const KafkaMetadata& metadata, ClientContext* context);
Status set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);
std::string base64(const std::string& bytes);
// Succeeds when a metadata request over the handle answers with a broker list.
Status metadata_ping(rd_kafka_t* rk, const std::string& brokers, Duration timeout);

}  // namespace lf::pubsub::detail
