#include "pubsub/kafka_producer.hpp"

#include "core/duration.hpp"

namespace lf::pubsub::detail {

using namespace std::chrono_literals;

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::create(const KafkaMetadata& metadata, log::Logger logger) {
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer(metadata));
  producer->logger = std::move(logger);
  rd_kafka_conf_t* conf = base_conf(metadata, producer.get());
  for (auto status : {set(conf, "acks", "all"), set(conf, "linger.ms", "0"),
                      set(conf, "message.max.bytes", std::to_string(metadata.max_message_bytes)),
                      set(conf, "message.timeout.ms", std::to_string(std::max(1, to_ms(metadata.publish_timeout)))),
                      // Bounded local queue: a dead broker turns into fast failures, not memory growth.
                      set(conf, "queue.buffering.max.messages", "100000")}) {
    if (!status) {
      rd_kafka_conf_destroy(conf);
      return unexpected(status.error());
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::on_delivery);
  char err[512];
  producer->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!producer->rk_) {
    rd_kafka_conf_destroy(conf);
    return fail(std::string("pubsub.kafka: cannot create the Kafka producer: ") + err);
  }
  producer->poller_ = std::thread([p = producer.get()] { p->run(); });
  return producer;
}

KafkaProducer::~KafkaProducer() {
  close(5s);
  if (rk_) rd_kafka_destroy(rk_);
}

void KafkaProducer::publish(PublishRequest request, PublishDone done) {
  Duration timeout = request.timeout > Duration::zero() ? std::min(request.timeout, metadata_.publish_timeout)
                                                        : metadata_.publish_timeout;
  std::uint64_t id = 0;
  bool accepted = false;
  {
    std::lock_guard lock(mutex_);
    if (!closed_) {
      accepted = true;
      id = next_id_++;
      pending_[id] = Pending{std::move(done), std::chrono::steady_clock::now() + timeout, request.topic, timeout, {}};
    }
  }
  if (!accepted) {
    // Closed: the delivery thread is gone, so the answer comes on the caller's stack.
    if (done) done(fail("kafka: the pubsub component is closed"));
    return;
  }
  std::optional<Error> rejected;
  if (request.topic.empty()) rejected = Error{"kafka: cannot publish without a topic"};
  else rejected = enqueue(request, id);
  if (!rejected) return;
  // Rejected records are reported from the delivery thread too: done never runs on the caller's stack.
  {
    std::lock_guard lock(mutex_);
    if (auto it = pending_.find(id); it != pending_.end()) {
      it->second.rejected = std::move(rejected);
      it->second.deadline = SteadyTime{};  // due at once (min() would overflow the budget arithmetic)
    }
  }
  rd_kafka_yield(rk_);
}

std::optional<Error> KafkaProducer::enqueue(const PublishRequest& request, std::uint64_t id) {
  rd_kafka_headers_t* headers = rd_kafka_headers_new(request.headers.size());
  for (const auto& [name, value] : request.headers)
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  const std::string* key = request.key ? &*request.key : nullptr;
  // Copies the payload, so the request may go away; never blocks (no RD_KAFKA_MSG_F_BLOCK).
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_, RD_KAFKA_V_TOPIC(request.topic.c_str()),
      RD_KAFKA_V_PARTITION(request.partition.value_or(RD_KAFKA_PARTITION_UA)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_VALUE(const_cast<char*>(request.payload.data()), request.payload.size()),
      RD_KAFKA_V_KEY(key ? key->data() : nullptr, key ? key->size() : 0), RD_KAFKA_V_HEADERS(headers),
      RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(id))), RD_KAFKA_V_END);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;  // librdkafka owns the headers now
  rd_kafka_headers_destroy(headers);
  return Error{"kafka: publish to topic " + request.topic + " failed: " + rd_kafka_err2str(err)};
}

Status KafkaProducer::ping(Duration timeout) { return metadata_ping(rk_, metadata_.brokers, timeout); }

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(static_cast<ClientContext*>(opaque));
  auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(message->_private));
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->finish(id, {});
    return;
  }
  std::string topic = message->rkt ? rd_kafka_topic_name(message->rkt) : "?";
  self->finish(id, fail("kafka: publish to topic " + topic + " failed: " + rd_kafka_err2str(message->err)));
}

void KafkaProducer::finish(std::uint64_t id, Status status) {
  PublishDone done;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // already reported as timed out
    done = std::move(it->second.done);
    pending_.erase(it);
  }
  if (done) done(std::move(status));
}

void KafkaProducer::expire_due() {
  std::vector<std::pair<PublishDone, Error>> due;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      Error error = it->second.rejected
                        ? *it->second.rejected
                        : Error{"kafka: publish to topic " + it->second.topic + " timed out after " +
                                format_go_duration(it->second.timeout) + " waiting for brokers " + metadata_.brokers};
      due.emplace_back(std::move(it->second.done), std::move(error));
      it = pending_.erase(it);
    }
  }
  for (auto& [done, error] : due)
    if (done) done(unexpected(std::move(error)));
}

Duration KafkaProducer::wait_budget() {
  std::lock_guard lock(mutex_);
  Duration budget = 50ms;
  auto now = std::chrono::steady_clock::now();
  for (const auto& [id, pending] : pending_) budget = std::min<Duration>(budget, pending.deadline - now);
  return std::max<Duration>(budget, Duration::zero());
}

void KafkaProducer::run() {
  while (!stopping_) {
    rd_kafka_poll(rk_, to_ms(wait_budget()));
    expire_due();
  }
}

void KafkaProducer::close(Duration flush_timeout) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  // Outstanding records get until flush_timeout (or their own deadline) to be acknowledged.
  auto flush_deadline = std::chrono::steady_clock::now() + flush_timeout;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty() || std::chrono::steady_clock::now() >= flush_deadline) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  stopping_ = true;
  rd_kafka_yield(rk_);
  if (poller_.joinable()) poller_.join();
  std::vector<PublishDone> left;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, pending] : pending_) left.push_back(std::move(pending.done));
    pending_.clear();
  }
  for (auto& done : left)
    if (done) done(fail("kafka: the pubsub component closed before the broker acknowledged the publish"));
}

}  // namespace lf::pubsub::detail
