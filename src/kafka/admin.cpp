#include "kafka/admin.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace lf::kafka {
namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

int to_ms(Duration d) {
  return static_cast<int>(std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(d).count()));
}

// A short-lived client whose connection errors stay quiet: callers report their own sentence.
Result<Handle> make_client(const std::string& bootstrap) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "client.id", "learnflow-kafka-admin", err, sizeof err);
  rd_kafka_conf_set(conf, "reconnect.backoff.ms", "20", err, sizeof err);
  rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "200", err, sizeof err);
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return fail(std::string("cannot create a Kafka client for ") + bootstrap + ": " + err);
  }
  return Handle(rk);
}

}  // namespace

Status check_metadata(const std::string& bootstrap, Duration timeout) {
  auto client = make_client(bootstrap);
  if (!client) return unexpected(client.error());
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(client->get(), 0, nullptr, &metadata, to_ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fail("the Kafka broker at " + bootstrap + " did not answer a metadata request: " + rd_kafka_err2str(err));
  int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  if (brokers < 1) return fail("the Kafka broker at " + bootstrap + " answered but lists no live broker yet");
  return {};
}

Status create_topic(const std::string& bootstrap, const std::string& topic, int partitions, Duration timeout) {
  auto client = make_client(bootstrap);
  if (!client) return unexpected(client.error());
  rd_kafka_t* rk = client->get();
  char err[512];
  rd_kafka_NewTopic_t* new_topic = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (!new_topic) return fail("cannot describe topic " + topic + ": " + err);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, to_ms(timeout), err, sizeof err);
  rd_kafka_AdminOptions_set_operation_timeout(options, to_ms(timeout), err, sizeof err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &new_topic, 1, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, to_ms(timeout) + 1000);
  Status result;
  if (!event) {
    result = fail("creating topic " + topic + " on " + bootstrap + " timed out");
  } else if (rd_kafka_event_error(event)) {
    result = fail("cannot create topic " + topic + " on " + bootstrap + ": " + rd_kafka_event_error_string(event));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** topics =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t topic_err = rd_kafka_topic_result_error(topics[i]);
      if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR && topic_err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* message = rd_kafka_topic_result_error_string(topics[i]);
        result = fail("cannot create topic " + topic + " on " + bootstrap + ": " +
                      (message ? message : rd_kafka_err2str(topic_err)));
      }
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(new_topic);
  return result;
}

}  // namespace lf::kafka
