#pragma once
// The publishing half of pubsub.kafka: one librdkafka producer (acks=all) and a delivery thread
// that runs callbacks and enforces per-call deadlines.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "pubsub/pubsub.hpp"
#include "pubsub/rdkafka_util.hpp"

namespace lf::pubsub::detail {

class KafkaProducer : public ClientContext {
 public:
  static Result<std::unique_ptr<KafkaProducer>> create(const KafkaMetadata& metadata, log::Logger logger);
  ~KafkaProducer();

  void publish(PublishRequest request, PublishDone done);
  Status ping(Duration timeout);
  // Waits up to flush_timeout for outstanding records, then fails what is left. Idempotent.
  void close(Duration flush_timeout);

 private:
  struct Pending {
    PublishDone done;
    SteadyTime deadline;
    std::string topic;
    Duration timeout;
    std::optional<Error> rejected;  // failed before reaching librdkafka's queue
  };

  explicit KafkaProducer(KafkaMetadata metadata) : metadata_(std::move(metadata)) {}
  void run();
  std::optional<Error> enqueue(const PublishRequest& request, std::uint64_t id);
  void finish(std::uint64_t id, Status status);
  void expire_due();
  Duration wait_budget();
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

  KafkaMetadata metadata_;
  rd_kafka_t* rk_ = nullptr;
  std::mutex mutex_;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_id_ = 1;
  std::atomic<bool> stopping_{false};
  bool closed_ = false;
  std::thread poller_;
};

}  // namespace lf::pubsub::detail
