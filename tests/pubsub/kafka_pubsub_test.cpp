// pubsub.kafka against the real broker: round trip, at-least-once commits, retries that block
// their partition, and the broker stopped, restarted and frozen under a live client.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "kafka/test_broker.hpp"
#include "log/log.hpp"
#include "pubsub/kafka_pubsub.hpp"

namespace lf::pubsub {
namespace {

using namespace std::chrono_literals;
using kafka::testing::BrokerEnvironment;
using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> component(const std::string& group, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> m = {{"brokers", BrokerEnvironment::broker().bootstrap()},
                                          {"authType", "none"},
                                          {"consumerGroup", group},
                                          {"initialOffset", "oldest"},
                                          {"backOffDuration", "300ms"},
                                          {"sessionTimeout", "6s"},
                                          {"heartbeatInterval", "1s"}};
  for (auto& [k, v] : extra) m[k] = v;
  return m;
}

std::unique_ptr<PubSub> make(const std::string& group, std::map<std::string, std::string> extra = {}) {
  auto made = make_kafka_pubsub(component(group, std::move(extra)), KafkaContext{.app_id = "test-app"});
  EXPECT_TRUE(made) << (made ? "" : made.error().message);
  return made ? std::move(*made) : nullptr;
}

Status publish_and_wait(PubSub& pubsub, PublishRequest request, Duration wait = 30s) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  pubsub.publish(std::move(request), [promise](Status s) { promise->set_value(std::move(s)); });
  if (future.wait_for(wait) != std::future_status::ready) return fail("test: no publish callback within the wait");
  return future.get();
}

// Records deliveries; acknowledges at once unless told to hold or retry some.
class Inbox {
 public:
  using Decide = std::function<std::optional<DeliveryResult>(const Message&, int delivery_index)>;
  explicit Inbox(Decide decide = nullptr) : decide_(std::move(decide)) {}
  Handler handler() {
    return [this](const Message& m, Complete complete) {
      std::optional<DeliveryResult> result = DeliveryResult::success;
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(m);
        times_.push_back(Clock::now());
        if (decide_) result = decide_(m, static_cast<int>(seen_.size()) - 1);
        if (!result) held_.push_back(complete);
      }
      cv_.notify_all();
      if (result) complete(*result);
    };
  }
  bool wait_for(std::size_t count, Duration timeout = 30s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= count; });
  }
  std::vector<Message> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<Clock::time_point> times() {
    std::lock_guard lock(mutex_);
    return times_;
  }
  std::vector<Complete> take_held() {
    std::lock_guard lock(mutex_);
    return std::exchange(held_, {});
  }

 private:
  Decide decide_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Message> seen_;
  std::vector<Clock::time_point> times_;
  std::vector<Complete> held_;
};

std::vector<std::string> payloads(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.payload);
  return out;
}

TEST(KafkaPubSub, PublishAndConsumeRoundTrip) {
  auto topic = BrokerEnvironment::unique_topic("roundtrip");
  Inbox inbox;  // declared before the component, which calls into it until closed
  auto pubsub = make("roundtrip-group");
  ASSERT_TRUE(pubsub);
  ASSERT_TRUE(pubsub->ping(10s));
  auto before = std::chrono::system_clock::now();
  auto published = publish_and_wait(*pubsub, {.topic = topic, .key = "user-7", .payload = std::string("a\0b", 3),
                                              .headers = {{"traceparent", "00-1-2-01"}, {"pubsubName", "kafka"}}});
  ASSERT_TRUE(published) << published.error().message;
  ASSERT_TRUE(pubsub->subscribe({topic}, inbox.handler()));
  ASSERT_TRUE(inbox.wait_for(1));
  auto m = inbox.seen()[0];
  EXPECT_EQ(m.topic, topic);
  EXPECT_EQ(m.partition, 0);
  EXPECT_EQ(m.offset, 0);
  EXPECT_EQ(m.key, std::optional<std::string>("user-7"));
  EXPECT_EQ(m.payload, std::string("a\0b", 3));
  auto meta = m.delivery_metadata();
  EXPECT_EQ(meta["traceparent"], "00-1-2-01");
  EXPECT_EQ(meta["__key"], "user-7");
  EXPECT_EQ(meta["__topic"], topic);
  EXPECT_EQ(meta["__offset"], "0");
  auto sent_ms = std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(m.timestamp_ms), static_cast<double>(sent_ms), 10000.0);
  EXPECT_FALSE(pubsub->subscribe({topic}, inbox.handler())) << "one subscription per topic";
  pubsub->close();
  pubsub->close();
}

TEST(KafkaPubSub, OffsetIsCommittedOnlyAfterSuccess) {
  auto topic = BrokerEnvironment::unique_topic("commit");
  const std::string group = "commit-group";
  {
    auto producer = make("commit-producer");
    ASSERT_TRUE(publish_and_wait(*producer, {.topic = topic, .payload = "m0"}));
  }
  {
    Inbox holding([](const Message&, int) { return std::nullopt; });  // never answers
    auto first = make(group);
    ASSERT_TRUE(first->subscribe({topic}, holding.handler()));
    ASSERT_TRUE(holding.wait_for(1));
    first->close();
    holding.take_held()[0](DeliveryResult::success);  // too late: the component is closed
  }
  {
    Inbox acking;
    auto second = make(group);
    ASSERT_TRUE(second->subscribe({topic}, acking.handler()));
    ASSERT_TRUE(acking.wait_for(1)) << "an unanswered message is delivered again";
    EXPECT_EQ(payloads(acking.seen()), std::vector<std::string>{"m0"});
    second->close();  // commits m0
  }
  {
    auto producer = make("commit-producer");
    ASSERT_TRUE(publish_and_wait(*producer, {.topic = topic, .payload = "m1"}));
  }
  Inbox third_inbox;  // before the component, which calls into it
  auto third = make(group);
  ASSERT_TRUE(third->subscribe({topic}, third_inbox.handler()));
  ASSERT_TRUE(third_inbox.wait_for(1));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(payloads(third_inbox.seen()), std::vector<std::string>{"m1"}) << "an acknowledged message is not redelivered";
}

TEST(KafkaPubSub, RetryRedeliversAfterBackoffAndBlocksThePartition) {
  log::CaptureSink logs;
  auto topic = BrokerEnvironment::unique_topic("retry");
  Inbox inbox([](const Message&, int index) {
    return index < 2 ? std::optional(DeliveryResult::retry) : std::optional(DeliveryResult::success);
  });
  auto pubsub = make("retry-group");
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .key = "k", .payload = "a"}));
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "b"}));
  ASSERT_TRUE(pubsub->subscribe({topic}, inbox.handler()));
  ASSERT_TRUE(inbox.wait_for(4));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(payloads(inbox.seen()), (std::vector<std::string>{"a", "a", "a", "b"}));
  auto t = inbox.times();
  EXPECT_GE(t[1] - t[0], 290ms) << "backOffDuration is 300ms";
  EXPECT_GE(t[2] - t[1], 290ms);
  EXPECT_LT(t[2] - t[0], 3s);
  EXPECT_EQ(logs.count("Error processing Kafka message: " + topic + "/0/0 [key=aw==]. Error: the subscriber asked for a "
                       "retry. Retrying..."),
            2u);
  EXPECT_TRUE(logs.contains("Successfully processed Kafka message after it previously failed: " + topic + "/0/0"));
}

TEST(KafkaPubSub, PartitionsAreConsumedInParallel) {
  auto topic = BrokerEnvironment::unique_topic("parallel");
  ASSERT_TRUE(BrokerEnvironment::broker().create_topic(topic, 2));
  Inbox inbox([](const Message& m, int) {
    return m.partition == 0 ? std::nullopt : std::optional(DeliveryResult::success);  // partition 0 stalls
  });
  auto pubsub = make("parallel-group");
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "p0-a", .partition = 0}));
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "p0-b", .partition = 0}));
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "p1-a", .partition = 1}));
  ASSERT_TRUE(pubsub->subscribe({topic}, inbox.handler()));
  ASSERT_TRUE(inbox.wait_for(2));
  std::this_thread::sleep_for(300ms);
  auto seen = payloads(inbox.seen());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"p0-a", "p1-a"})) << "p0-b waits behind p0-a, p1 is not blocked";
  inbox.take_held()[0](DeliveryResult::success);
  ASSERT_TRUE(inbox.wait_for(3));
  EXPECT_EQ(inbox.seen()[2].payload, "p0-b");
}

TEST(KafkaPubSub, ASlowHandlerPausesItsPartitionWithoutLosingOrRepeatingMessages) {
  auto topic = BrokerEnvironment::unique_topic("backpressure");
  constexpr int kMessages = 800;  // more than the 500 queued before a partition is paused
  std::atomic<bool> release{false};
  Inbox inbox([&](const Message&, int index) {
    return index == 0 && !release ? std::nullopt : std::optional(DeliveryResult::success);
  });
  auto pubsub = make("backpressure-group");
  std::atomic<int> acked{0};
  for (int i = 0; i < kMessages; ++i)
    pubsub->publish({.topic = topic, .payload = std::to_string(i)}, [&](Status s) {
      if (s) ++acked;
    });
  auto deadline = Clock::now() + 30s;
  while (acked < kMessages && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(acked, kMessages);
  ASSERT_TRUE(pubsub->subscribe({topic}, inbox.handler()));
  ASSERT_TRUE(inbox.wait_for(1));
  std::this_thread::sleep_for(1s);  // the consumer reads ahead, then pauses the partition
  EXPECT_EQ(inbox.seen().size(), 1u) << "one message in flight per partition";
  release = true;
  inbox.take_held()[0](DeliveryResult::success);
  ASSERT_TRUE(inbox.wait_for(kMessages));
  std::this_thread::sleep_for(300ms);
  auto seen = inbox.seen();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(seen[i].offset, i);
    EXPECT_EQ(seen[i].payload, std::to_string(i));
  }
}

TEST(KafkaPubSub, LaterSubscriptionsJoinTheSameConsumer) {
  auto first_topic = BrokerEnvironment::unique_topic("first");
  auto second_topic = BrokerEnvironment::unique_topic("second");
  Inbox first, second;
  auto pubsub = make("two-topics-group");
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = first_topic, .payload = "1a"}));
  ASSERT_TRUE(pubsub->subscribe({first_topic}, first.handler()));
  ASSERT_TRUE(first.wait_for(1));
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = second_topic, .payload = "2a"}));
  ASSERT_TRUE(pubsub->subscribe({second_topic}, second.handler()));
  ASSERT_TRUE(second.wait_for(1));
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = first_topic, .payload = "1b"}));
  ASSERT_TRUE(first.wait_for(2));
  std::this_thread::sleep_for(200ms);
  // The rebalance for the second topic may redeliver 1a if its commit had not happened yet.
  auto seen_first = payloads(first.seen());
  EXPECT_EQ(seen_first.back(), "1b");
  EXPECT_EQ(payloads(second.seen()), std::vector<std::string>{"2a"});
}

TEST(KafkaPubSub, PingAndPublishFailFastWithoutABroker) {
  auto port = process::ReservedPort::reserve();  // refused, and taken by nobody else meanwhile
  ASSERT_TRUE(port);
  auto started = Clock::now();
  auto made = make_kafka_pubsub({{"brokers", "127.0.0.1:" + std::to_string(port->port())}, {"authType", "none"}},
                                KafkaContext{.app_id = "nobody"});
  ASSERT_TRUE(made) << "creating the component never waits for the broker";
  auto pinged = (*made)->ping(500ms);
  ASSERT_FALSE(pinged);
  EXPECT_NE(pinged.error().message.find("did not answer within 500 ms"), std::string::npos) << pinged.error().message;
  auto published = publish_and_wait(**made, {.topic = "t", .payload = "x", .timeout = 700ms});
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().message,
            "kafka: publish to topic t timed out after 700ms waiting for brokers 127.0.0.1:" + std::to_string(port->port()));
  EXPECT_LT(Clock::now() - started, 4s);
}

TEST(KafkaPubSub, RejectedPublishesAreReportedAtOnceOffTheCallersStack) {
  auto pubsub = make("rejects", {{"maxMessageBytes", "1000"}});
  auto caller = std::this_thread::get_id();
  auto started = Clock::now();
  std::promise<std::pair<Status, std::thread::id>> result;
  pubsub->publish({.topic = "", .payload = "x"}, [&](Status s) { result.set_value({std::move(s), std::this_thread::get_id()}); });
  auto [empty_topic, thread] = result.get_future().get();
  ASSERT_FALSE(empty_topic);
  EXPECT_EQ(empty_topic.error().message, "kafka: cannot publish without a topic");
  EXPECT_NE(thread, caller);
  auto too_big = publish_and_wait(*pubsub, {.topic = "big", .payload = std::string(5000, 'x')});
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("kafka: publish to topic big failed: "), std::string::npos) << too_big.error().message;
  EXPECT_LT(Clock::now() - started, 1s);
  pubsub->close();
  auto closed = publish_and_wait(*pubsub, {.topic = "t", .payload = "x"}, 2s);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().message, "kafka: the pubsub component is closed");
}

// The broker goes away under live clients: these run last (the suite's order is the file's).
TEST(KafkaPubSubBrokerFaults, PublishFailsWithinDeadlineWhileStoppedAndSucceedsAfterRestart) {
  auto& broker = BrokerEnvironment::broker();
  auto topic = BrokerEnvironment::unique_topic("outage");
  auto pubsub = make("outage-group");
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "before"}));
  ASSERT_TRUE(broker.stop());
  auto started = Clock::now();
  auto failed = publish_and_wait(*pubsub, {.topic = topic, .payload = "during", .timeout = 1s});
  auto took = Clock::now() - started;
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("kafka: publish to topic " + topic), std::string::npos) << failed.error().message;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
  EXPECT_FALSE(pubsub->ping(300ms));
  ASSERT_TRUE(broker.restart());
  auto after = publish_and_wait(*pubsub, {.topic = topic, .payload = "after", .timeout = 20s});
  EXPECT_TRUE(after) << after.error().message << " (the same client must reconnect by itself)";
  EXPECT_TRUE(pubsub->ping(5s));
}

TEST(KafkaPubSubBrokerFaults, ConsumerResumesAfterBrokerRestart) {
  log::CaptureSink logs;
  auto& broker = BrokerEnvironment::broker();
  auto topic = BrokerEnvironment::unique_topic("resume");
  Inbox inbox, other_inbox;
  auto pubsub = make("resume-group");
  auto other = make("resume-other-group");
  ASSERT_TRUE(pubsub->subscribe({topic}, inbox.handler()));
  ASSERT_TRUE(other->subscribe({topic}, other_inbox.handler()));
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "m0"}));
  ASSERT_TRUE(inbox.wait_for(1));
  ASSERT_TRUE(other_inbox.wait_for(1));
  ASSERT_TRUE(broker.stop());
  // Closing while the broker is down is bounded (it cannot commit or leave the group).
  auto closing = Clock::now();
  other->close();
  other.reset();
  auto close_took = Clock::now() - closing;
  EXPECT_LT(close_took, 7s);
  std::printf("[kafka] close with the broker down took %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(close_took).count()));
  ASSERT_TRUE(broker.restart());
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "m1", .timeout = 20s}));
  // m0 may come again (its commit may not have happened before the stop): at least once.
  auto deadline = Clock::now() + 40s;
  auto has_m1 = [&] {
    auto seen = payloads(inbox.seen());
    return std::find(seen.begin(), seen.end(), "m1") != seen.end();
  };
  while (!has_m1() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(has_m1()) << "the consumer reconnects by itself";
  EXPECT_TRUE(logs.contains("Error consuming [" + topic + "]. Retrying...: ")) << "the outage is logged as Dapr does";
}

TEST(KafkaPubSubBrokerFaults, FrozenBrokerMakesPublishTimeOut) {
  auto& broker = BrokerEnvironment::broker();
  auto topic = BrokerEnvironment::unique_topic("frozen");
  auto pubsub = make("frozen-group");
  ASSERT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "warm"}));
  ASSERT_TRUE(broker.freeze());
  auto started = Clock::now();
  auto failed = publish_and_wait(*pubsub, {.topic = topic, .payload = "stuck", .timeout = 1s});
  auto took = Clock::now() - started;
  ASSERT_TRUE(broker.thaw());
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("timed out after 1s"), std::string::npos) << failed.error().message;
  EXPECT_GE(took, 950ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_TRUE(publish_and_wait(*pubsub, {.topic = topic, .payload = "thawed", .timeout = 20s}));
}

}  // namespace
}  // namespace lf::pubsub
