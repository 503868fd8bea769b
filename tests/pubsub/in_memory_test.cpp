// InMemoryPubSub: the Kafka component's delivery semantics, deterministically on a FakeScheduler.
#include <gtest/gtest.h>

#include "pubsub/in_memory_pubsub.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::pubsub {
namespace {

using namespace std::chrono_literals;

struct Recorder {
  std::vector<Message> seen;
  std::vector<Complete> pending;
  Handler handler() {
    return [this](const Message& m, Complete complete) {
      seen.push_back(m);
      pending.push_back(std::move(complete));
    };
  }
  void finish(DeliveryResult r) {
    auto c = std::move(pending.front());
    pending.erase(pending.begin());
    c(r);
  }
};

class InMemoryPubSubTest : public ::testing::Test {
 protected:
  lf::testing::FakeScheduler scheduler;
  InMemoryPubSub pubsub{scheduler, InMemoryOptions{.partitions = 1, .back_off = 5s}};
  std::vector<std::string> outcomes;

  void publish(const std::string& topic, const std::string& payload, Duration timeout = Duration::zero()) {
    pubsub.publish({.topic = topic, .payload = payload, .timeout = timeout},
                   [this](Status s) { outcomes.push_back(s ? "ok" : s.error().message); });
  }
};

TEST_F(InMemoryPubSubTest, PublishCompletesAsynchronously) {
  publish("orders", "a");
  EXPECT_TRUE(outcomes.empty()) << "the callback never runs on the caller's stack";
  scheduler.run_due();
  EXPECT_EQ(outcomes, std::vector<std::string>{"ok"});
  ASSERT_EQ(pubsub.published("orders").size(), 1u);
  EXPECT_EQ(pubsub.published("orders")[0].payload, "a");
}

TEST_F(InMemoryPubSubTest, DeliversInOrderOneAtATimeAndCommitsOnSuccess) {
  Recorder r;
  ASSERT_TRUE(pubsub.subscribe({"orders"}, r.handler()));
  publish("orders", "a");
  publish("orders", "b");
  scheduler.run_due();
  ASSERT_EQ(r.seen.size(), 1u) << "b waits until a completes";
  EXPECT_EQ(r.seen[0].payload, "a");
  EXPECT_EQ(pubsub.committed_offset("orders"), 0);
  r.finish(DeliveryResult::success);
  scheduler.run_due();
  EXPECT_EQ(pubsub.committed_offset("orders"), 1);
  ASSERT_EQ(r.seen.size(), 2u);
  EXPECT_EQ(r.seen[1].payload, "b");
  EXPECT_EQ(r.seen[1].offset, 1);
}

TEST_F(InMemoryPubSubTest, RetryRedeliversTheSameMessageAfterBackoffBlockingThePartition) {
  Recorder r;
  ASSERT_TRUE(pubsub.subscribe({"orders"}, r.handler()));
  publish("orders", "a");
  publish("orders", "b");
  scheduler.run_due();
  r.finish(DeliveryResult::retry);
  scheduler.advance(4999ms);
  EXPECT_EQ(r.seen.size(), 1u) << "nothing before the backoff";
  scheduler.advance(1ms);
  ASSERT_EQ(r.seen.size(), 2u);
  EXPECT_EQ(r.seen[1].payload, "a");
  EXPECT_EQ(r.seen[1].offset, 0);
  r.finish(DeliveryResult::success);
  scheduler.run_due();
  ASSERT_EQ(r.seen.size(), 3u);
  EXPECT_EQ(r.seen[2].payload, "b");
  EXPECT_EQ(pubsub.deliveries(), 3u);
}

TEST_F(InMemoryPubSubTest, RestartRedeliversUncommittedMessages) {
  Recorder r;
  ASSERT_TRUE(pubsub.subscribe({"orders"}, r.handler()));
  publish("orders", "a");
  scheduler.run_due();
  ASSERT_EQ(r.seen.size(), 1u);
  auto stale = std::move(r.pending.front());
  r.pending.clear();
  pubsub.simulate_restart();
  scheduler.run_due();
  ASSERT_EQ(r.seen.size(), 2u);
  stale(DeliveryResult::success);  // the crashed instance's answer does not count
  EXPECT_EQ(pubsub.committed_offset("orders"), 0);
  r.finish(DeliveryResult::success);
  EXPECT_EQ(pubsub.committed_offset("orders"), 1);
}

TEST_F(InMemoryPubSubTest, InjectedFailuresAndUnavailableBroker) {
  pubsub.fail_next_publishes(1, "boom");
  publish("orders", "a");
  publish("orders", "b");
  scheduler.run_due();
  EXPECT_EQ(outcomes, (std::vector<std::string>{"boom", "ok"}));

  outcomes.clear();
  pubsub.set_available(false);
  EXPECT_FALSE(pubsub.ping(1s));
  publish("orders", "c", 2s);
  scheduler.advance(1999ms);
  EXPECT_TRUE(outcomes.empty()) << "a dead broker fails at the deadline, not at once";
  scheduler.advance(1ms);
  EXPECT_EQ(outcomes, std::vector<std::string>{"kafka: publish to topic orders timed out after 2s"});
  pubsub.set_available(true);
  EXPECT_TRUE(pubsub.ping(1s));
}

TEST_F(InMemoryPubSubTest, PartitionsAreIndependentAndKeysPickPartitions) {
  InMemoryPubSub two(scheduler, InMemoryOptions{.partitions = 2, .back_off = 5s});
  Recorder r;
  ASSERT_TRUE(two.subscribe({"t"}, r.handler()));
  two.publish({.topic = "t", .payload = "p0", .partition = 0}, nullptr);
  two.publish({.topic = "t", .payload = "p1", .partition = 1}, nullptr);
  scheduler.run_due();
  EXPECT_EQ(r.seen.size(), 2u) << "one in flight per partition, both partitions at once";
  std::vector<std::string> outcomes2;
  two.publish({.topic = "t", .payload = "bad", .partition = 7}, [&](Status s) { outcomes2.push_back(s ? "ok" : "error"); });
  scheduler.run_due();
  EXPECT_EQ(outcomes2, std::vector<std::string>{"error"});
  two.publish({.topic = "t", .key = "same", .payload = "k1"}, nullptr);
  two.publish({.topic = "t", .key = "same", .payload = "k2"}, nullptr);
  scheduler.run_due();
  auto msgs = two.published("t");
  int32_t first = -1;
  for (const auto& m : msgs)
    if (m.key == std::optional<std::string>("same")) {
      if (first < 0) first = m.partition;
      EXPECT_EQ(m.partition, first);
    }
}

TEST_F(InMemoryPubSubTest, SubscribeErrorsAndClose) {
  Recorder r;
  EXPECT_FALSE(pubsub.subscribe({}, r.handler()));
  ASSERT_TRUE(pubsub.subscribe({"a"}, r.handler()));
  EXPECT_FALSE(pubsub.subscribe({"a"}, r.handler()));
  pubsub.close();
  publish("a", "x");
  scheduler.run_due();
  EXPECT_EQ(outcomes, std::vector<std::string>{"kafka: the pubsub component is closed"});
  EXPECT_FALSE(pubsub.subscribe({"b"}, r.handler()));
}

}  // namespace
}  // namespace lf::pubsub
