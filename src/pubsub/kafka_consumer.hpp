#pragma once
// The consuming half of pubsub.kafka: one consumer-group member whose thread hands messages to
// the handler one at a time per partition, with partitions in parallel. Offsets are stored only
// after success and auto-committed every second, on rebalance and on close (Dapr's semantics).
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "pubsub/pubsub.hpp"
#include "pubsub/rdkafka_util.hpp"

namespace lf::pubsub::detail {

class KafkaConsumer : public ClientContext {
 public:
  static Result<std::unique_ptr<KafkaConsumer>> create(const KafkaMetadata& metadata, log::Logger logger);
  ~KafkaConsumer();

  Status subscribe(const std::vector<std::string>& topics, Handler handler);
  // Commits what completed and leaves the group within a bounded time. Idempotent.
  void close();
  std::size_t assigned_partitions() const { return assigned_; }

 private:
  using PartitionKey = std::pair<std::string, int32_t>;
  struct PartitionState {
    std::uint64_t generation = 0;
    std::deque<Message> queue;  // head is the message in flight or waiting for its retry
    bool in_flight = false;
    std::optional<SteadyTime> retry_at;
    std::int64_t failures = 0;
    bool paused = false;
  };
  struct Completion {
    PartitionKey key;
    std::uint64_t generation;
    std::int64_t offset;
    DeliveryResult result;
  };
  // Shared with completion callbacks, which may run after the consumer is gone.
  struct Inbox {
    std::mutex mutex;
    std::vector<Completion> items;
    rd_kafka_queue_t* wake = nullptr;
    bool closed = false;
  };

  explicit KafkaConsumer(KafkaMetadata metadata) : metadata_(std::move(metadata)) {}
  void run();
  void on_message(const rd_kafka_message_t* message);
  void on_error(const std::string& reason);
  void apply_completions();
  void dispatch();
  void deliver(const PartitionKey& key, PartitionState& state);
  void settle(const PartitionKey& key, PartitionState& state, DeliveryResult result);
  void store_offset(const PartitionKey& key, std::int64_t next_offset);
  void set_paused(const PartitionKey& key, PartitionState& state, bool pause);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  std::string topics_text();
  std::string describe(const Message& message) const;
  Duration poll_budget() const;

  KafkaMetadata metadata_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::mutex handlers_mutex_;
  std::map<std::string, Handler> handlers_;
  std::map<PartitionKey, PartitionState> partitions_;  // consumer thread only
  std::uint64_t next_generation_ = 1;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> assigned_{0};
  std::thread thread_;
  std::mutex close_mutex_;
  bool closed_ = false;
  SteadyTime last_error_log_{};
};

}  // namespace lf::pubsub::detail
