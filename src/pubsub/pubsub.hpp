#pragma once
// The pub/sub boundary of the sidecar: Kafka in production (kafka_pubsub.hpp), in memory in
// unit tests (in_memory_pubsub.hpp).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::pubsub {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct PublishRequest {
  std::string topic;
  std::optional<std::string> key;  // Dapr's partitionKey / __key
  std::string payload;
  Headers headers;  // Dapr's metadata.<k> pairs become record headers
  std::optional<int32_t> partition;  // Dapr's partitionNumber
  // Per-call deadline; zero = the component's default. The callback then reports a timeout even
  // if the broker has not answered; the record may still be written later (see the README).
  Duration timeout = Duration::zero();
};

struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  int64_t timestamp_ms = 0;  // record timestamp, ms since the epoch (0 when the broker gave none)
  Headers headers;
  std::string payload;

  // Dapr's delivery metadata: producer headers plus __key __topic __partition __offset __timestamp.
  std::map<std::string, std::string> delivery_metadata() const;
};

// What the subscriber's handler reports for one message. Dapr's DROP is a success for the
// component (the caller has already logged it or sent it to a dead-letter topic).
enum class DeliveryResult { success, retry };

using PublishDone = std::function<void(Status)>;
using Complete = std::function<void(DeliveryResult)>;
// Called once per delivery; must not block. complete may be called from any thread, once.
using Handler = std::function<void(const Message&, Complete complete)>;

class PubSub {
 public:
  virtual ~PubSub() = default;
  // Asynchronous: returns at once; done runs on the component's own thread when the broker has
  // acknowledged (acks=all) or the attempt failed / timed out. done must not block. After
  // close() there is no such thread and done reports the closed component at once, inline.
  virtual void publish(PublishRequest request, PublishDone done) = 0;
  // Adds topics to this component's consumer group. In order within a partition, partitions in
  // parallel, at least once: an offset is committed only after its handler completed with success.
  virtual Status subscribe(const std::vector<std::string>& topics, Handler handler) = 0;
  // Succeeds when the brokers answer within timeout (start-up check; the caller decides whether
  // a failure is fatal, as daprd does with ignoreErrors).
  virtual Status ping(Duration timeout) = 0;
  // Flushes pending publishes, commits completed offsets and stops consuming. Idempotent.
  virtual void close() = 0;
};

}  // namespace lf::pubsub
