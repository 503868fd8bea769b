#include "pubsub/rdkafka_util.hpp"

#include <algorithm>

namespace lf::pubsub::detail {

int to_ms(Duration d) {
  return static_cast<int>(std::clamp<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count(), 0,
                                                 24LL * 3600 * 1000));
}

Status set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    return fail("pubsub.kafka: cannot set client option " + key + "=" + value + ": " + err);
  return {};
}

rd_kafka_conf_t* base_conf(const KafkaMetadata& metadata, ClientContext* context) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Values below are all valid for librdkafka 2.0; a failure here would be a programming error
  // and surfaces when the handle is created.
  (void)set(conf, "bootstrap.servers", metadata.brokers);
  (void)set(conf, "client.id", metadata.client_id);
  // Dapr's consumeRetryInterval paces reconnect attempts; capped so a returning broker is found
  // within a second (librdkafka's default backoff grows to 10 s).
  (void)set(conf, "reconnect.backoff.ms", std::to_string(std::max(1, to_ms(metadata.consume_retry_interval))));
  (void)set(conf, "reconnect.backoff.max.ms", std::to_string(std::max(1000, to_ms(metadata.consume_retry_interval))));
  (void)set(conf, "topic.metadata.refresh.interval.ms", "10000");
  (void)set(conf, "socket.keepalive.enable", "true");
  rd_kafka_conf_set_opaque(conf, context);
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t* rk, int, const char* facility, const char* text) {
    if (auto* ctx = static_cast<ClientContext*>(rd_kafka_opaque(rk)); ctx && log::enabled(log::Level::debug))
      ctx->logger.debug(std::string("librdkafka ") + facility + ": " + text);
  });
  return conf;
}

std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 0x3f];
  }
  if (std::size_t left = bytes.size() - i; left > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 0x3f];
    out += alphabet[(v >> 12) & 0x3f];
    out += left == 2 ? alphabet[(v >> 6) & 0x3f] : '=';
    out += '=';
  }
  return out;
}

Status metadata_ping(rd_kafka_t* rk, const std::string& brokers, Duration timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &metadata, std::max(1, to_ms(timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fail("kafka: brokers " + brokers + " did not answer within " + std::to_string(to_ms(timeout)) +
                " ms: " + rd_kafka_err2str(err));
  int count = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  if (count < 1) return fail("kafka: brokers " + brokers + " answered without any live broker");
  return {};
}

}  // namespace lf::pubsub::detail
