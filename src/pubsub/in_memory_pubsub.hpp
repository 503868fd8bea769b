#pragma once
// A deterministic PubSub for unit tests of the sidecar: everything happens on the given
// Scheduler (a FakeScheduler in tests), with the Kafka component's delivery semantics: in order
// per partition, a retry blocks its partition for the backoff, offsets advance only on success.
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "pubsub/pubsub.hpp"

namespace lf::pubsub {

struct InMemoryOptions {
  int partitions = 1;  // per topic; a key picks its partition by hash, no key means partition 0
  Duration back_off = std::chrono::seconds(5);
};

class InMemoryPubSub final : public PubSub {
 public:
  explicit InMemoryPubSub(Scheduler& scheduler, InMemoryOptions options = {});

  void publish(PublishRequest request, PublishDone done) override;
  Status subscribe(const std::vector<std::string>& topics, Handler handler) override;
  Status ping(Duration timeout) override;
  void close() override;

  // Test controls.
  void fail_next_publishes(int count, std::string message = "kafka: injected publish failure");
  // Unavailable: publishes fail (after their timeout, as with a dead broker) and ping fails.
  void set_available(bool available);
  // Drops in-flight deliveries as a crashed subscriber would; uncommitted messages come again.
  void simulate_restart();
  std::vector<Message> published(const std::string& topic) const;
  // Next offset the group would read in a partition (everything before it is committed).
  int64_t committed_offset(const std::string& topic, int32_t partition = 0) const;
  std::size_t deliveries() const;

 private:
  struct Partition {
    std::vector<Message> log;
    int64_t committed = 0;
    bool in_flight = false;
    bool waiting_retry = false;
    std::uint64_t epoch = 0;  // bumped by simulate_restart: stale completions are ignored
  };
  using Key = std::pair<std::string, int32_t>;

  void pump(const Key& key);
  void complete(const Key& key, std::uint64_t epoch, int64_t offset, DeliveryResult result);

  Scheduler& scheduler_;
  InMemoryOptions options_;
  mutable std::mutex mutex_;
  std::map<Key, Partition> partitions_;
  std::map<std::string, Handler> handlers_;
  int failures_left_ = 0;
  std::string failure_message_;
  bool available_ = true;
  bool closed_ = false;
  std::size_t deliveries_ = 0;
};

}  // namespace lf::pubsub
