#include "pubsub/kafka_pubsub.hpp"

#include <mutex>

#include "pubsub/kafka_consumer.hpp"
#include "pubsub/kafka_metadata.hpp"
#include "pubsub/kafka_producer.hpp"

namespace lf::pubsub {
namespace {

using namespace std::chrono_literals;

class KafkaPubSub final : public PubSub {
 public:
  KafkaPubSub(KafkaMetadata metadata, log::Logger logger, std::unique_ptr<detail::KafkaProducer> producer)
      : metadata_(std::move(metadata)), logger_(std::move(logger)), producer_(std::move(producer)) {}
  ~KafkaPubSub() override { close(); }

  void publish(PublishRequest request, PublishDone done) override { producer_->publish(std::move(request), std::move(done)); }

  Status subscribe(const std::vector<std::string>& topics, Handler handler) override {
    std::lock_guard lock(mutex_);
    if (closed_) return fail("kafka: the pubsub component is closed");
    // The consumer joins the group only once something subscribes.
    if (!consumer_) {
      auto consumer = detail::KafkaConsumer::create(metadata_, logger_);
      if (!consumer) return unexpected(consumer.error());
      consumer_ = std::move(*consumer);
    }
    return consumer_->subscribe(topics, std::move(handler));
  }

  Status ping(Duration timeout) override { return producer_->ping(timeout); }

  void close() override {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    producer_->close(5s);
    if (consumer_) consumer_->close();
  }

 private:
  KafkaMetadata metadata_;
  log::Logger logger_;
  std::unique_ptr<detail::KafkaProducer> producer_;
  std::mutex mutex_;
  std::unique_ptr<detail::KafkaConsumer> consumer_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<PubSub>> make_kafka_pubsub(const std::map<std::string, std::string>& metadata,
                                                  const KafkaContext& context) {
  auto parsed = parse_kafka_metadata(metadata, context.app_id);
  if (!parsed) return unexpected(parsed.error());
  log::Logger logger(context.logger_scope);
  auto producer = detail::KafkaProducer::create(*parsed, logger);
  if (!producer) return unexpected(producer.error());
  return std::unique_ptr<PubSub>(new KafkaPubSub(std::move(*parsed), std::move(logger), std::move(*producer)));
}

}  // namespace lf::pubsub
