#include "pubsub/kafka_consumer.hpp"

namespace lf::pubsub::detail {
namespace {

using namespace std::chrono_literals;

// Per-partition read-ahead: beyond this the partition is paused until the handler catches up.
constexpr std::size_t kPauseAbove = 500;
constexpr std::size_t kResumeBelow = 100;

Message to_message(const rd_kafka_message_t* m) {
  Message out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  if (m->key) out.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) out.payload.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t type;
  int64_t ts = rd_kafka_message_timestamp(m, &type);
  out.timestamp_ms = ts > 0 ? ts : 0;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
      out.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
  }
  return out;
}

struct PartitionList {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  PartitionList(const std::string& topic, int32_t partition, int64_t offset = RD_KAFKA_OFFSET_INVALID) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  }
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list); }
};

}  // namespace

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::create(const KafkaMetadata& metadata, log::Logger logger) {
  std::unique_ptr<KafkaConsumer> consumer(new KafkaConsumer(metadata));
  consumer->logger = std::move(logger);
  rd_kafka_conf_t* conf = base_conf(metadata, consumer.get());
  for (auto status : {set(conf, "group.id", metadata.consumer_group), set(conf, "enable.auto.commit", "true"),
                      set(conf, "auto.commit.interval.ms", "1000"), set(conf, "enable.auto.offset.store", "false"),
                      set(conf, "auto.offset.reset", metadata.initial_offset_oldest ? "earliest" : "latest"),
                      set(conf, "session.timeout.ms", std::to_string(to_ms(metadata.session_timeout))),
                      set(conf, "heartbeat.interval.ms", std::to_string(to_ms(metadata.heartbeat_interval))),
                      set(conf, "allow.auto.create.topics", "true"),
                      set(conf, "fetch.max.bytes", std::to_string(std::max<int64_t>(metadata.max_message_bytes, 1 << 20) * 4))}) {
    if (!status) {
      rd_kafka_conf_destroy(conf);
      return unexpected(status.error());
    }
  }
  rd_kafka_conf_set_rebalance_cb(conf, [](rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                          void* opaque) {
    static_cast<KafkaConsumer*>(static_cast<ClientContext*>(opaque))->rebalance(err, parts);
  });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaConsumer*>(static_cast<ClientContext*>(opaque));
    self->on_error(std::string(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason);
  });
  char err[512];
  consumer->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!consumer->rk_) {
    rd_kafka_conf_destroy(conf);
    return fail(std::string("pubsub.kafka: cannot create the Kafka consumer: ") + err);
  }
  // Errors and rebalances are then served by the consumer thread's poll.
  rd_kafka_poll_set_consumer(consumer->rk_);
  consumer->queue_ = rd_kafka_queue_get_consumer(consumer->rk_);
  consumer->inbox_->wake = consumer->queue_;
  consumer->thread_ = std::thread([c = consumer.get()] { c->run(); });
  return consumer;
}

KafkaConsumer::~KafkaConsumer() {
  close();
  if (queue_) rd_kafka_queue_destroy(queue_);
  if (rk_) rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

Status KafkaConsumer::subscribe(const std::vector<std::string>& topics, Handler handler) {
  if (topics.empty()) return fail("kafka: subscribe needs at least one topic");
  std::lock_guard lock(handlers_mutex_);
  for (const auto& topic : topics) {
    if (topic.empty()) return fail("kafka: cannot subscribe to an empty topic name");
    if (handlers_.count(topic)) return fail("kafka: topic " + topic + " already has a subscription in this component");
  }
  for (const auto& topic : topics) handlers_[topic] = handler;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(handlers_.size()));
  for (const auto& [topic, h] : handlers_) rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (const auto& topic : topics) handlers_.erase(topic);
    return fail(std::string("kafka: cannot subscribe: ") + rd_kafka_err2str(err));
  }
  return {};
}

std::string KafkaConsumer::topics_text() {
  std::lock_guard lock(handlers_mutex_);
  std::string out = "[";
  for (const auto& [topic, h] : handlers_) out += (out.size() > 1 ? " " : "") + topic;
  return out + "]";
}

std::string KafkaConsumer::describe(const Message& m) const {
  return m.topic + "/" + std::to_string(m.partition) + "/" + std::to_string(m.offset) +
         " [key=" + base64(m.key.value_or("")) + "]";
}

void KafkaConsumer::on_error(const std::string& reason) {
  // librdkafka retries by itself; one line per retry interval (at least a second) is enough.
  auto now = std::chrono::steady_clock::now();
  if (now - last_error_log_ < std::max<Duration>(metadata_.consume_retry_interval, 1s)) return;
  last_error_log_ = now;
  logger.error("Error consuming " + topics_text() + ". Retrying...: " + reason);
}

Duration KafkaConsumer::poll_budget() const {
  Duration budget = 100ms;
  auto now = std::chrono::steady_clock::now();
  for (const auto& [key, state] : partitions_)
    if (state.retry_at) budget = std::min<Duration>(budget, *state.retry_at - now);
  return std::max<Duration>(budget, Duration::zero());
}

void KafkaConsumer::run() {
  while (!stopping_) {
    apply_completions();
    dispatch();
    if (rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, to_ms(poll_budget()))) {
      on_message(message);
      rd_kafka_message_destroy(message);
    }
  }
}

void KafkaConsumer::on_message(const rd_kafka_message_t* message) {
  if (message->err) {
    if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) on_error(rd_kafka_message_errstr(message));
    return;
  }
  PartitionKey key{rd_kafka_topic_name(message->rkt), message->partition};
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return;  // a late message of a revoked partition
  it->second.queue.push_back(to_message(message));
  if (it->second.queue.size() > kPauseAbove && !it->second.paused) set_paused(key, it->second, true);
}

void KafkaConsumer::dispatch() {
  auto now = std::chrono::steady_clock::now();
  for (auto& [key, state] : partitions_) {
    if (state.in_flight || state.queue.empty()) continue;
    if (state.retry_at && *state.retry_at > now) continue;
    state.retry_at.reset();
    deliver(key, state);
  }
}

void KafkaConsumer::deliver(const PartitionKey& key, PartitionState& state) {
  Handler handler;
  {
    std::lock_guard lock(handlers_mutex_);
    if (auto it = handlers_.find(key.first); it != handlers_.end()) handler = it->second;
  }
  const Message& message = state.queue.front();
  state.in_flight = true;
  if (!handler) {
    settle(key, state, DeliveryResult::success);
    return;
  }
  auto once = std::make_shared<std::atomic<bool>>(false);
  Complete complete = [inbox = inbox_, key, generation = state.generation, offset = message.offset,
                       once](DeliveryResult result) {
    if (once->exchange(true)) return;
    std::lock_guard lock(inbox->mutex);
    if (inbox->closed) return;
    inbox->items.push_back(Completion{key, generation, offset, result});
    rd_kafka_queue_yield(inbox->wake);
  };
  try {
    handler(message, std::move(complete));
  } catch (const std::exception& e) {
    logger.error("Kafka message handler failed for " + describe(message) + ": " + e.what());
    // The handler did not take ownership of completing: the message is retried after the backoff.
    if (!once->exchange(true)) settle(key, state, DeliveryResult::retry);
  }
}

void KafkaConsumer::apply_completions() {
  std::vector<Completion> items;
  {
    std::lock_guard lock(inbox_->mutex);
    items.swap(inbox_->items);
  }
  for (const auto& c : items) {
    auto it = partitions_.find(c.key);
    if (it == partitions_.end()) continue;
    PartitionState& state = it->second;
    // A completion of an earlier assignment of the partition: its message will come again.
    if (state.generation != c.generation || !state.in_flight || state.queue.empty() ||
        state.queue.front().offset != c.offset)
      continue;
    settle(c.key, state, c.result);
  }
}

void KafkaConsumer::settle(const PartitionKey& key, PartitionState& state, DeliveryResult result) {
  const Message& message = state.queue.front();
  state.in_flight = false;
  if (result == DeliveryResult::retry) {
    ++state.failures;
    if (!metadata_.consume_retry_enabled) {
      logger.error("Error processing Kafka message: " + describe(message) + ". Error: the subscriber asked for a retry.");
    } else if (metadata_.back_off_max_retries >= 0 && state.failures > metadata_.back_off_max_retries) {
      logger.error("Too many failed attempts at processing Kafka message: " + describe(message) +
                   ". Error: the subscriber asked for a retry.");
    } else {
      logger.warn("Error processing Kafka message: " + describe(message) +
                  ". Error: the subscriber asked for a retry. Retrying...");
      state.retry_at = std::chrono::steady_clock::now() + metadata_.back_off_duration;
      return;
    }
  } else if (state.failures > 0) {
    logger.info("Successfully processed Kafka message after it previously failed: " + describe(message));
  }
  store_offset(key, message.offset + 1);
  state.queue.pop_front();
  state.failures = 0;
  if (state.paused && state.queue.size() < kResumeBelow) set_paused(key, state, false);
}

void KafkaConsumer::store_offset(const PartitionKey& key, std::int64_t next_offset) {
  PartitionList list(key.first, key.second, next_offset);
  if (rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_, list.list); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    logger.debug("kafka: cannot mark offset " + std::to_string(next_offset) + " of " + key.first + "/" +
                 std::to_string(key.second) + ": " + rd_kafka_err2str(err));
}

void KafkaConsumer::set_paused(const PartitionKey& key, PartitionState& state, bool pause) {
  PartitionList list(key.first, key.second);
  rd_kafka_resp_err_t err = pause ? rd_kafka_pause_partitions(rk_, list.list) : rd_kafka_resume_partitions(rk_, list.list);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) state.paused = pause;
}

void KafkaConsumer::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < parts->cnt; ++i) {
      PartitionState state;
      state.generation = next_generation_++;
      partitions_[{parts->elems[i].topic, parts->elems[i].partition}] = std::move(state);
    }
    rd_kafka_assign(rk_, parts);
    assigned_ = partitions_.size();
    logger.debug("kafka: consumer group " + metadata_.consumer_group + " assigned " + std::to_string(parts->cnt) +
                 " partition(s)");
    return;
  }
  // Revoked (or failed): whatever completed is committed before the partitions move elsewhere;
  // messages still in flight are redelivered to the next owner.
  apply_completions();
  // Synchronous while running so the next owner starts after our marks; asynchronous while
  // closing, where a dead broker must not block (librdkafka still sends it before leaving).
  rd_kafka_commit(rk_, nullptr, stopping_ ? 1 : 0);
  for (int i = 0; parts && i < parts->cnt; ++i) partitions_.erase({parts->elems[i].topic, parts->elems[i].partition});
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) partitions_.clear();
  rd_kafka_assign(rk_, nullptr);
  assigned_ = partitions_.size();
}

void KafkaConsumer::close() {
  std::lock_guard close_lock(close_mutex_);
  if (closed_) return;
  closed_ = true;
  stopping_ = true;
  rd_kafka_queue_yield(queue_);
  if (thread_.joinable()) thread_.join();
  apply_completions();
  {
    std::lock_guard lock(inbox_->mutex);
    inbox_->closed = true;
  }
  // Leaving the group revokes the partitions (committing stored offsets); bounded, so a dead
  // broker cannot hang shutdown.
  rd_kafka_queue_t* close_queue = rd_kafka_queue_new(rk_);
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(rk_, close_queue)) {
    logger.warn(std::string("kafka: closing the consumer failed: ") + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else {
    auto deadline = std::chrono::steady_clock::now() + std::min<Duration>(metadata_.session_timeout, 5s);
    while (!rd_kafka_consumer_closed(rk_) && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_event_t* event = rd_kafka_queue_poll(close_queue, 100);
      if (!event) continue;
      if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE)
        rebalance(rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event));
      rd_kafka_event_destroy(event);
    }
  }
  rd_kafka_queue_destroy(close_queue);
}

}  // namespace lf::pubsub::detail
