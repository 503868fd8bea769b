// StateDocuments: concurrent writers of one document, queued and combined within a process,
// retried with jittered exponential back-off against writers elsewhere (other replicas).
#include <random>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "dapr_client/fake_dapr_client.hpp"
#include "service_test_support.hpp"
#include "services/common/state_document.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::services {
namespace {

using Json = nlohmann::json;
using lf::testing::settle;
using namespace std::chrono_literals;

// The in-memory store (Dapr's ETag rules), except that every state call first yields to the
// other coroutines, as a call through a real sidecar does: concurrent writers then interleave
// between their read and their save and really conflict.
class InterleavingStore final : public dapr::DaprClient {
 public:
  boost::asio::awaitable<dapr::DaprResult<dapr::InvokeResponse>> invoke(dapr::InvokeRequest request) override {
    co_return co_await store.invoke(std::move(request));
  }
  boost::asio::awaitable<dapr::DaprStatus> publish(dapr::PublishRequest request) override {
    co_return co_await store.publish(std::move(request));
  }
  boost::asio::awaitable<dapr::DaprResult<std::optional<dapr::StateEntry>>> get_state(
      std::string name, std::string key, dapr::TraceContext trace) override {
    co_await yield();
    ++gets;
    co_return co_await store.get_state(std::move(name), std::move(key), std::move(trace));
  }
  boost::asio::awaitable<dapr::DaprStatus> save_state(std::string name, std::vector<dapr::StateItem> items,
                                                      dapr::TraceContext trace) override {
    co_await yield();
    co_return co_await store.save_state(std::move(name), std::move(items), std::move(trace));
  }
  boost::asio::awaitable<dapr::DaprStatus> delete_state(std::string name, std::string key,
                                                        std::optional<std::string> etag,
                                                        dapr::TraceContext trace) override {
    co_await yield();
    co_return co_await store.delete_state(std::move(name), std::move(key), std::move(etag), std::move(trace));
  }
  boost::asio::awaitable<dapr::DaprStatus> health(bool outbound) override { co_return co_await store.health(outbound); }

  dapr::FakeDaprClient store;
  int gets = 0;

 private:
  static boost::asio::awaitable<void> yield() {
    co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
  }
};

// Appends `item` to the document's "items".
DocumentChange append(std::string item) {
  return [item](Json& doc) {
    if (!doc.contains("items")) doc["items"] = Json::array();
    doc["items"].push_back(item);
    return true;
  };
}

ConflictBackoff exact_backoff(int max_attempts = 10) {
  // The jitter returns the ceiling itself, so every pause is known exactly.
  return ConflictBackoff{10ms, 640ms, max_attempts, [](Duration ceiling) { return ceiling; }};
}

class StateDocumentsTest : public ::testing::Test {
 protected:
  // Starts an update; its result lands in results[slot] once the coroutine finishes.
  void start_update(StateDocuments& documents, const std::string& key, DocumentChange change,
                    dapr::TraceContext trace = {}) {
    auto slot = results.size();
    results.emplace_back();
    boost::asio::co_spawn(
        io,
        [this, &documents, key, change = std::move(change), trace = std::move(trace), slot]() -> boost::asio::awaitable<void> {
          results[slot] = co_await documents.update(key, change, trace);
        },
        boost::asio::detached);
  }
  // Runs ready work, then jumps the fake clock from timer to timer until nothing is pending.
  void run_to_completion() {
    settle(io);
    while (scheduler.advance_to_next()) settle(io);
  }
  Json stored(const std::string& key) {
    auto text = dapr.store.stored("statestore", key);
    return text ? Json::parse(*text) : Json();
  }

  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  InterleavingStore dapr;
  std::vector<std::optional<dapr::DaprResult<Json>>> results;
};

TEST_F(StateDocumentsTest, TwentyConcurrentWritersOfOneKeyAllLandWithoutAConflict) {
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  for (int i = 0; i < 20; ++i) start_update(documents, "user-lessons-ada", append("lesson-" + std::to_string(i)));
  settle(io);  // no timer needed: nothing conflicted, nothing waited for a back-off

  EXPECT_EQ(scheduler.pending(), 0u);
  ASSERT_EQ(results.size(), 20u);
  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->has_value()) << result->error().describe();
  }
  auto items = stored("user-lessons-ada")["items"];
  ASSERT_EQ(items.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(items[i], "lesson-" + std::to_string(i)) << "arrival order is kept";
  EXPECT_EQ(documents.conflicts(), 0);
  // The first writer's round, then one round carrying the 19 that arrived meanwhile.
  EXPECT_EQ(documents.save_rounds(), 2);
  EXPECT_EQ(dapr.gets, 2);
  // Each caller sees the document as stored by its round.
  EXPECT_EQ((*results[0])->at("items").size(), 1u);
  EXPECT_EQ((*results[19])->at("items").size(), 20u);
}

TEST_F(StateDocumentsTest, EachRoundCarriesTheTraceOfTheFirstTracedChangeInIt) {
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  const dapr::TraceContext first{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a=1"};
  const dapr::TraceContext second{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ""};
  start_update(documents, "k", append("a"), first);  // round 1: alone
  start_update(documents, "k", append("b"));          // round 2: b, c, d combined; b has no trace
  start_update(documents, "k", append("c"), second);
  start_update(documents, "k", append("d"), first);
  run_to_completion();
  EXPECT_EQ(stored("k")["items"], Json({"a", "b", "c", "d"}));
  const auto& calls = dapr.store.state_calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].operation, "get");
  EXPECT_EQ(calls[0].trace, first);
  EXPECT_EQ(calls[1].operation, "save");
  EXPECT_EQ(calls[1].trace, first);
  EXPECT_EQ(calls[2].trace, second);
  EXPECT_EQ(calls[3].operation, "save");
  EXPECT_EQ(calls[3].trace, second);
}

TEST_F(StateDocumentsTest, DifferentKeysDoNotWaitForEachOther) {
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  start_update(documents, "a", append("1"));
  start_update(documents, "b", append("2"));
  settle(io);
  EXPECT_EQ(documents.save_rounds(), 2);
  EXPECT_EQ(stored("a")["items"], Json::array({"1"}));
  EXPECT_EQ(stored("b")["items"], Json::array({"2"}));
}

TEST_F(StateDocumentsTest, WritersInSeveralReplicasAllSucceedThanksToJitteredBackoff) {
  // Five replicas (each its own StateDocuments on the same store), four requests each, all for
  // one learner at the same instant. Seeded jitter keeps the run deterministic.
  std::mt19937_64 seeded(42);
  auto jitter = [&seeded](Duration ceiling) {
    return Duration{std::uniform_int_distribution<Duration::rep>(0, ceiling.count())(seeded)};
  };
  std::vector<std::unique_ptr<StateDocuments>> replicas;
  for (int r = 0; r < 5; ++r)
    replicas.push_back(std::make_unique<StateDocuments>(dapr, scheduler, "statestore",
                                                        ConflictBackoff{10ms, 640ms, 10, jitter}));
  for (int i = 0; i < 20; ++i) start_update(*replicas[i % 5], "user-lessons-ada", append(std::to_string(i)));
  run_to_completion();

  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->has_value()) << result->error().describe();
  }
  auto items = stored("user-lessons-ada")["items"];
  ASSERT_EQ(items.size(), 20u);
  std::set<std::string> distinct;
  for (const auto& item : items) distinct.insert(item.get<std::string>());
  EXPECT_EQ(distinct.size(), 20u) << "each change applied exactly once";
  int conflicts = 0;
  for (const auto& replica : replicas) conflicts += replica->conflicts();
  EXPECT_GT(conflicts, 0) << "the replicas did contend (else this test proves nothing)";
  EXPECT_LT(scheduler.elapsed(), 3s);
}

TEST_F(StateDocumentsTest, ConflictsAreRetriedAfterExponentiallyGrowingPauses) {
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  dapr.store.inject_etag_conflicts("k", 3);  // another replica wins three times
  start_update(documents, "k", append("x"));
  settle(io);
  // Pauses of 10, 20 and 40 ms: the write lands at 70 ms, not before.
  for (auto [step, expected_gets] : {std::pair{10ms, 2}, {20ms, 3}, {39ms, 3}}) {
    scheduler.advance(step);
    settle(io);
    EXPECT_EQ(dapr.gets, expected_gets) << "at " << scheduler.elapsed().count() / 1'000'000 << " ms";
  }
  EXPECT_FALSE(results[0].has_value());
  scheduler.advance(1ms);
  settle(io);
  ASSERT_TRUE(results[0].has_value());
  ASSERT_TRUE(results[0]->has_value());
  EXPECT_EQ(dapr.gets, 4);
  EXPECT_EQ(documents.conflicts(), 3);
  EXPECT_EQ(stored("k")["items"], Json::array({"x"}));
}

TEST_F(StateDocumentsTest, PausesAreCappedAndTheWriterGivesUpAfterMaxAttempts) {
  StateDocuments documents(dapr, scheduler, "statestore",
                           ConflictBackoff{10ms, 15ms, 4, [](Duration ceiling) { return ceiling; }});
  dapr.store.inject_etag_conflicts("k", 100);
  start_update(documents, "k", append("x"));
  run_to_completion();
  ASSERT_TRUE(results[0].has_value());
  ASSERT_FALSE(results[0]->has_value());
  EXPECT_EQ(results[0]->error().status, 409);
  EXPECT_EQ(results[0]->error().message, "gave up after 4 conflicting writes of k");
  EXPECT_EQ(scheduler.elapsed(), 10ms + 15ms + 15ms);
  EXPECT_EQ(dapr.gets, 4);
}

TEST_F(StateDocumentsTest, FullJitterStaysWithinTheCeiling) {
  for (int i = 0; i < 1000; ++i) {
    auto pause = full_jitter(40ms);
    ASSERT_GE(pause, Duration::zero());
    ASSERT_LE(pause, Duration(40ms));
  }
  EXPECT_EQ(full_jitter(Duration::zero()), Duration::zero());
}

TEST_F(StateDocumentsTest, NoChangeWritesNothing) {
  dapr.store.put("statestore", "k", R"({"items":["a"]})");
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  start_update(documents, "k", [](Json&) { return false; });
  settle(io);
  ASSERT_TRUE(results[0]->has_value());
  EXPECT_EQ(**results[0], Json::parse(R"({"items":["a"]})"));
  EXPECT_EQ(documents.save_rounds(), 0);
}

TEST_F(StateDocumentsTest, AStoreFailureReachesEveryWaiterAndTheKeyIsUsableAfterwards) {
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  dapr.store.set_state_failing(true);
  for (int i = 0; i < 3; ++i) start_update(documents, "k", append(std::to_string(i)));
  settle(io);
  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(result->has_value());
  }
  dapr.store.set_state_failing(false);
  start_update(documents, "k", append("later"));
  settle(io);
  ASSERT_TRUE(results[3]->has_value());
  EXPECT_EQ(stored("k")["items"], Json::array({"later"}));
}

TEST_F(StateDocumentsTest, ANonObjectDocumentIsAnError) {
  dapr.store.put("statestore", "k", "[1,2]");
  StateDocuments documents(dapr, scheduler, "statestore", exact_backoff());
  start_update(documents, "k", append("x"));
  settle(io);
  ASSERT_FALSE(results[0]->has_value());
  EXPECT_EQ(results[0]->error().error_code, "LF_BAD_DOCUMENT");
}

}  // namespace
}  // namespace lf::services
