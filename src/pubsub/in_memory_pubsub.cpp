#include "pubsub/in_memory_pubsub.hpp"

#include <functional>

#include "core/duration.hpp"

namespace lf::pubsub {

using namespace std::chrono_literals;

InMemoryPubSub::InMemoryPubSub(Scheduler& scheduler, InMemoryOptions options)
    : scheduler_(scheduler), options_(options) {
  if (options_.partitions < 1) options_.partitions = 1;
}

void InMemoryPubSub::publish(PublishRequest request, PublishDone done) {
  std::optional<Error> error;
  Duration failure_delay = Duration::zero();
  std::optional<Key> appended;
  {
    std::lock_guard lock(mutex_);
    int32_t partition = request.partition.value_or(
        request.key ? static_cast<int32_t>(std::hash<std::string>{}(*request.key) % options_.partitions) : 0);
    if (closed_) {
      error = Error{"kafka: the pubsub component is closed"};
    } else if (request.topic.empty()) {
      error = Error{"kafka: cannot publish without a topic"};
    } else if (partition < 0 || partition >= options_.partitions) {
      error = Error{"kafka: publish to topic " + request.topic + " failed: Broker: Unknown topic or partition"};
    } else if (!available_) {
      // A dead broker answers nothing: the failure comes when the attempt's deadline passes.
      failure_delay = request.timeout > Duration::zero() ? request.timeout : 30s;
      error = Error{"kafka: publish to topic " + request.topic + " timed out after " + format_go_duration(failure_delay)};
    } else if (failures_left_ > 0) {
      --failures_left_;
      error = Error{failure_message_};
    } else {
      Key key{request.topic, partition};
      Partition& p = partitions_[key];
      Message m;
      m.topic = request.topic;
      m.partition = partition;
      m.offset = static_cast<int64_t>(p.log.size());
      m.key = request.key;
      m.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(scheduler_.wall_now().time_since_epoch()).count();
      m.headers = std::move(request.headers);
      m.payload = std::move(request.payload);
      p.log.push_back(std::move(m));
      appended = key;
    }
  }
  if (appended) scheduler_.post([this, key = *appended] { pump(key); });
  auto report = [done = std::move(done), error]() {
    if (!done) return;
    if (error) done(unexpected(*error));
    else done({});
  };
  if (failure_delay > Duration::zero()) scheduler_.schedule_after(failure_delay, std::move(report));
  else scheduler_.post(std::move(report));
}

Status InMemoryPubSub::subscribe(const std::vector<std::string>& topics, Handler handler) {
  std::vector<Key> keys;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return fail("kafka: the pubsub component is closed");
    if (topics.empty()) return fail("kafka: subscribe needs at least one topic");
    for (const auto& topic : topics)
      if (topic.empty() || handlers_.count(topic)) return fail("kafka: topic " + topic + " cannot be subscribed twice");
    for (const auto& topic : topics) {
      handlers_[topic] = handler;
      for (int32_t p = 0; p < options_.partitions; ++p) {
        partitions_[{topic, p}];
        keys.emplace_back(topic, p);
      }
    }
  }
  for (const auto& key : keys) scheduler_.post([this, key] { pump(key); });
  return {};
}

Status InMemoryPubSub::ping(Duration) {
  std::lock_guard lock(mutex_);
  if (!available_) return fail("kafka: brokers in-memory did not answer");
  return {};
}

void InMemoryPubSub::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

void InMemoryPubSub::fail_next_publishes(int count, std::string message) {
  std::lock_guard lock(mutex_);
  failures_left_ = count;
  failure_message_ = std::move(message);
}

void InMemoryPubSub::set_available(bool available) {
  std::lock_guard lock(mutex_);
  available_ = available;
}

void InMemoryPubSub::simulate_restart() {
  std::vector<Key> keys;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, p] : partitions_) {
      ++p.epoch;
      p.in_flight = false;
      p.waiting_retry = false;
      keys.push_back(key);
    }
  }
  for (const auto& key : keys) scheduler_.post([this, key] { pump(key); });
}

void InMemoryPubSub::pump(const Key& key) {
  Handler handler;
  Message message;
  std::uint64_t epoch;
  {
    std::lock_guard lock(mutex_);
    auto handler_it = handlers_.find(key.first);
    auto it = partitions_.find(key);
    if (closed_ || handler_it == handlers_.end() || it == partitions_.end()) return;
    Partition& p = it->second;
    if (p.in_flight || p.waiting_retry || p.committed >= static_cast<int64_t>(p.log.size())) return;
    p.in_flight = true;
    ++deliveries_;
    handler = handler_it->second;
    message = p.log[static_cast<std::size_t>(p.committed)];
    epoch = p.epoch;
  }
  handler(message, [this, key, epoch, offset = message.offset](DeliveryResult result) {
    complete(key, epoch, offset, result);
  });
}

void InMemoryPubSub::complete(const Key& key, std::uint64_t epoch, int64_t offset, DeliveryResult result) {
  {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(key);
    if (it == partitions_.end()) return;
    Partition& p = it->second;
    if (p.epoch != epoch || !p.in_flight || p.committed != offset) return;
    p.in_flight = false;
    if (result == DeliveryResult::success) {
      ++p.committed;
    } else {
      p.waiting_retry = true;
    }
  }
  if (result == DeliveryResult::success) {
    scheduler_.post([this, key] { pump(key); });
    return;
  }
  scheduler_.schedule_after(options_.back_off, [this, key, epoch] {
    {
      std::lock_guard lock(mutex_);
      auto it = partitions_.find(key);
      if (it == partitions_.end() || it->second.epoch != epoch) return;
      it->second.waiting_retry = false;
    }
    pump(key);
  });
}

std::vector<Message> InMemoryPubSub::published(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  std::vector<Message> out;
  for (const auto& [key, p] : partitions_)
    if (key.first == topic) out.insert(out.end(), p.log.begin(), p.log.end());
  return out;
}

int64_t InMemoryPubSub::committed_offset(const std::string& topic, int32_t partition) const {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find({topic, partition});
  return it == partitions_.end() ? 0 : it->second.committed;
}

std::size_t InMemoryPubSub::deliveries() const {
  std::lock_guard lock(mutex_);
  return deliveries_;
}

}  // namespace lf::pubsub
