#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>
#include <set>

#include "nameresolution/registry_resolver.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::nameresolution {
namespace {

using namespace std::chrono_literals;

Registration registration(const std::string& app_id, const std::string& address) {
  return {app_id, "", Address::parse(address).value()};
}

std::string resolved(RegistryResolver& resolver, const std::string& app_id) {
  auto address = resolver.resolve(app_id);
  return address ? address->to_string() : "error: " + address.error().message;
}

std::int64_t unix_now(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
}

class RegistryResolverTest : public ::testing::Test {
 protected:
  std::unique_ptr<RegistryResolver> make() {
    return std::make_unique<RegistryResolver>(registry_, scheduler_, options_);
  }
  lf::testing::FakeScheduler scheduler_;
  std::shared_ptr<InMemoryRegistry> registry_ = std::make_shared<InMemoryRegistry>();
  ResolverOptions options_;
};

TEST(Address, ParsesHostPortAndRejectsGarbage) {
  EXPECT_EQ(Address::parse("127.0.0.1:50002").value(), (Address{"127.0.0.1", 50002}));
  EXPECT_EQ(Address::parse("[::1]:80").value(), (Address{"::1", 80}));
  EXPECT_EQ(Address::parse("[::1]:80")->to_string(), "[::1]:80");
  EXPECT_EQ(Address::parse(Address{"fe80::1", 5}.to_string()).value(), (Address{"fe80::1", 5}));
  for (const char* bad : {"", "host", "host:", ":80", "host:0", "host:65536", "host:http", "[::1:80"})
    EXPECT_FALSE(Address::parse(bad)) << bad;
}

TEST_F(RegistryResolverTest, TwoInstancesOfOneAppAreBalancedRoundRobin) {
  auto first = make();
  auto second = make();
  auto caller = make();
  ASSERT_TRUE(first->register_self(registration("orders", "127.0.0.1:5001")));
  ASSERT_TRUE(second->register_self(registration("orders", "127.0.0.1:5002")));
  ASSERT_TRUE(caller->register_self(registration("checkout", "127.0.0.1:6001")));
  std::vector<std::string> picks;
  for (int i = 0; i < 6; ++i) picks.push_back(resolved(*caller, "orders"));
  EXPECT_EQ(picks, (std::vector<std::string>{"127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5001", "127.0.0.1:5002",
                                             "127.0.0.1:5001", "127.0.0.1:5002"}));
  EXPECT_EQ(resolved(*caller, "checkout"), "127.0.0.1:6001");
  EXPECT_EQ(resolved(*caller, "unknown"), "error: couldn't find service: unknown");
}

TEST_F(RegistryResolverTest, HeartbeatsKeepARegistrationAliveIndefinitely) {
  auto instance = make();
  auto caller = make();
  ASSERT_TRUE(instance->register_self(registration("orders", "127.0.0.1:5001")));
  scheduler_.advance(10min);
  EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001");
  EXPECT_EQ(scheduler_.pending(), 1u) << "exactly one heartbeat timer outstanding";
}

TEST_F(RegistryResolverTest, AnInstanceThatMissesHeartbeatsExpires) {
  auto caller = make();
  auto live = make();
  ASSERT_TRUE(live->register_self(registration("orders", "127.0.0.1:5001")));
  // A crashed sidecar: its row stays but is never refreshed again.
  ASSERT_TRUE(registry_->upsert("crashed", registration("orders", "127.0.0.1:5002"), unix_now(scheduler_)));
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.insert(resolved(*caller, "orders"));
  EXPECT_EQ(seen.size(), 2u);

  // Still live at stale_after (15 s) since its last update, gone one second later (cache 1 s).
  scheduler_.advance(15s);
  seen.clear();
  for (int i = 0; i < 4; ++i) seen.insert(resolved(*caller, "orders"));
  EXPECT_EQ(seen.size(), 2u);
  scheduler_.advance(1s);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001");
}

TEST_F(RegistryResolverTest, StaleRowsAreCleanedUpAtTheCleanupInterval) {
  options_.cleanup_interval = 1min;
  auto live = make();
  ASSERT_TRUE(live->register_self(registration("orders", "127.0.0.1:5001")));
  ASSERT_TRUE(registry_->upsert("crashed", registration("orders", "127.0.0.1:5002"), unix_now(scheduler_)));
  scheduler_.advance(55s);
  EXPECT_EQ(registry_->size(), 2u);
  scheduler_.advance(5s);
  EXPECT_EQ(registry_->size(), 1u);
}

TEST_F(RegistryResolverTest, LookupsAreCachedForOneSecond) {
  auto caller = make();
  auto first = make();
  ASSERT_TRUE(first->register_self(registration("orders", "127.0.0.1:5001")));
  EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001");
  auto second = make();
  ASSERT_TRUE(second->register_self(registration("orders", "127.0.0.1:5002")));
  scheduler_.advance(999ms);
  EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001") << "still the cached single address";
  EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001");
  scheduler_.advance(1ms);
  std::set<std::string> seen{resolved(*caller, "orders"), resolved(*caller, "orders")};
  EXPECT_EQ(seen, (std::set<std::string>{"127.0.0.1:5001", "127.0.0.1:5002"}));
}

TEST_F(RegistryResolverTest, DeregistrationAndDestructionRemoveTheInstance) {
  auto caller = make();
  auto first = make();
  auto second = make();
  ASSERT_TRUE(first->register_self(registration("orders", "127.0.0.1:5001")));
  ASSERT_TRUE(second->register_self(registration("orders", "127.0.0.1:5002")));
  ASSERT_TRUE(first->deregister());
  EXPECT_EQ(registry_->size(), 1u);  // only second: the caller never registered
  second.reset();
  EXPECT_EQ(registry_->size(), 0u);
  EXPECT_EQ(resolved(*caller, "orders"), "error: couldn't find service: orders");
  scheduler_.advance(1min);  // cancelled heartbeats must not resurrect anything
  EXPECT_EQ(registry_->size(), 0u);
}

TEST_F(RegistryResolverTest, InvalidatedAddressesSitOutTheQuarantine) {
  auto caller = make();
  auto first = make();
  auto second = make();
  ASSERT_TRUE(first->register_self(registration("orders", "127.0.0.1:5001")));
  ASSERT_TRUE(second->register_self(registration("orders", "127.0.0.1:5002")));
  caller->invalidate("orders", Address{"127.0.0.1", 5001});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5002");
  scheduler_.advance(options_.quarantine);
  std::set<std::string> seen{resolved(*caller, "orders"), resolved(*caller, "orders")};
  EXPECT_EQ(seen.size(), 2u) << "back in rotation after the quarantine";

  // When every address is quarantined, trying one beats failing.
  caller->invalidate("orders", Address{"127.0.0.1", 5001});
  caller->invalidate("orders", Address{"127.0.0.1", 5002});
  EXPECT_TRUE(caller->resolve("orders"));
}

TEST_F(RegistryResolverTest, AVanishedRowIsReRegisteredByTheNextHeartbeat) {
  auto instance = make();
  auto caller = make();
  ASSERT_TRUE(instance->register_self(registration("orders", "127.0.0.1:5001")));
  ASSERT_EQ(registry_->remove_stale(unix_now(scheduler_) + 1).value(), 1);
  scheduler_.advance(options_.update_interval);
  scheduler_.advance(options_.cache_ttl);
  EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001");
}

TEST_F(RegistryResolverTest, ARestartOnTheSameAddressTakesOverTheOldRow) {
  auto caller = make();
  auto before = make();
  ASSERT_TRUE(before->register_self(registration("orders", "127.0.0.1:5001")));
  auto after = make();
  ASSERT_TRUE(after->register_self(registration("orders", "127.0.0.1:5001")));
  EXPECT_EQ(registry_->size(), 1u);
  EXPECT_EQ(resolved(*caller, "orders"), "127.0.0.1:5001");
}

TEST_F(RegistryResolverTest, NamespacesAreSeparate) {
  auto caller = make();
  auto prod = make();
  ASSERT_TRUE(prod->register_self({"orders", "prod", Address{"127.0.0.1", 5001}}));
  EXPECT_FALSE(caller->resolve("orders"));
  EXPECT_EQ(caller->resolve("orders", "prod")->port, 5001);
}

TEST_F(RegistryResolverTest, HeartbeatsCanRunOnAnotherExecutor) {
  std::vector<std::function<void()>> queued;
  RegistryResolver resolver(registry_, scheduler_, options_, [&](std::function<void()> work) { queued.push_back(work); });
  ASSERT_TRUE(resolver.register_self(registration("orders", "127.0.0.1:5001")));
  scheduler_.advance(options_.update_interval);
  ASSERT_EQ(queued.size(), 1u) << "the scheduler only hands the write to the runner";
  EXPECT_EQ(scheduler_.pending(), 0u);
  queued[0]();
  EXPECT_EQ(scheduler_.pending(), 1u) << "the next heartbeat is scheduled after the write";
}

// A registry whose heartbeat write hangs until released (a SQLite file locked by another process).
class StallingRegistry final : public Registry {
 public:
  Status upsert(const std::string& id, const Registration& r, std::int64_t now) override { return inner.upsert(id, r, now); }
  Result<bool> heartbeat(const std::string& id, std::int64_t now) override {
    entered.set_value();
    release.get_future().wait();
    return inner.heartbeat(id, now);
  }
  Status remove(const std::string& id) override { return inner.remove(id); }
  Result<std::vector<std::string>> live_addresses(const std::string& app, const std::string& ns, std::int64_t min) override {
    return inner.live_addresses(app, ns, min);
  }
  Result<long long> remove_stale(std::int64_t older_than) override { return inner.remove_stale(older_than); }

  InMemoryRegistry inner;
  std::promise<void> entered, release;
};

TEST(RegistryResolverThreads, ResolveDoesNotWaitForAStalledHeartbeat) {
  lf::testing::FakeScheduler scheduler;
  auto registry = std::make_shared<StallingRegistry>();
  std::thread worker;
  RegistryResolver resolver(registry, scheduler, {}, [&](std::function<void()> work) { worker = std::thread(work); });
  ASSERT_TRUE(resolver.register_self(registration("orders", "127.0.0.1:5001")));
  scheduler.advance(5s);
  registry->entered.get_future().wait();
  auto lookup = std::async(std::launch::async, [&] { return resolver.resolve("orders"); });
  const bool answered = lookup.wait_for(2s) == std::future_status::ready;
  registry->release.set_value();
  worker.join();
  ASSERT_TRUE(answered) << "resolve() blocked behind the heartbeat write";
  EXPECT_EQ(lookup.get()->port, 5001);
}

TEST_F(RegistryResolverTest, AHeartbeatQueuedBeforeReRegistrationDoesNotStartASecondTimerChain) {
  std::vector<std::function<void()>> queued;
  RegistryResolver resolver(registry_, scheduler_, options_, [&](std::function<void()> work) { queued.push_back(work); });
  ASSERT_TRUE(resolver.register_self(registration("orders", "127.0.0.1:5001")));
  scheduler_.advance(options_.update_interval);  // the timer fired; its write waits on the runner
  ASSERT_EQ(queued.size(), 1u);
  ASSERT_TRUE(resolver.register_self(registration("orders", "127.0.0.1:5002")));
  queued[0]();  // the stale heartbeat runs late
  EXPECT_EQ(scheduler_.pending(), 1u) << "only the new registration's heartbeat timer";
  EXPECT_EQ(registry_->size(), 1u);
}

TEST(FakeNameResolver, RoundRobinsAndRecordsInvalidations) {
  FakeNameResolver resolver;
  resolver.set_addresses("orders", {Address{"a", 1}, Address{"b", 2}});
  EXPECT_EQ(resolver.resolve("orders")->host, "a");
  EXPECT_EQ(resolver.resolve("orders")->host, "b");
  EXPECT_EQ(resolver.resolve("orders")->host, "a");
  EXPECT_FALSE(resolver.resolve("missing"));
  resolver.invalidate("orders", Address{"a", 1});
  ASSERT_EQ(resolver.invalidations().size(), 1u);
  EXPECT_EQ(resolver.invalidations()[0].second.port, 1);
}

}  // namespace
}  // namespace lf::nameresolution
