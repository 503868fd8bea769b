#pragma once
// Behaviour every state store shares (Dapr semantics where state.sqlite and state.postgresql
// agree), as a typed test suite. A Traits type provides:
//   std::unique_ptr<StateStore> open();    // a fresh, empty store
//   std::unique_ptr<StateStore> reopen();  // another instance over the same storage
//   static constexpr StateErrorKind first_write_conflict;  // where the stores differ
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <atomic>
#include <thread>
#include <vector>

#include "state/state_store.hpp"

namespace lf::state::testing {

inline SetRequest set_request(std::string key, std::string value) {
  SetRequest request;
  request.key = std::move(key);
  request.value = std::move(value);
  return request;
}

inline nlohmann::json json_of(const Item& item) { return nlohmann::json::parse(item.value); }

template <typename Traits>
class StoreBehaviour : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = traits_.open();
    ASSERT_NE(store_, nullptr);
  }
  Item must_get(const std::string& key) {
    auto found = store_->get(key);
    EXPECT_TRUE(found) << (found ? "" : found.error().message);
    if (!found || !*found) {
      ADD_FAILURE() << "key " << key << " is missing";
      return {};
    }
    return **found;
  }
  bool absent(const std::string& key) {
    auto found = store_->get(key);
    return found && !found->has_value();
  }

  Traits traits_;
  std::unique_ptr<StateStore> store_;
};

TYPED_TEST_SUITE_P(StoreBehaviour);

TYPED_TEST_P(StoreBehaviour, SavedJsonComesBackWithAnEtag) {
  ASSERT_TRUE(this->store_->set(set_request("app||greeting", "\"hello\"")));
  ASSERT_TRUE(this->store_->set(set_request("app||order", R"({"id":7,"items":["a","b"]})")));
  const Item greeting = this->must_get("app||greeting");
  EXPECT_EQ(greeting.value, "\"hello\"");  // strings keep their quotes
  EXPECT_FALSE(greeting.etag.empty());
  EXPECT_FALSE(greeting.is_binary);
  EXPECT_EQ(json_of(this->must_get("app||order")), nlohmann::json::parse(R"({"id":7,"items":["a","b"]})"));
  EXPECT_TRUE(this->absent("app||never-saved"));
}

TYPED_TEST_P(StoreBehaviour, EveryWriteChangesTheEtag) {
  ASSERT_TRUE(this->store_->set(set_request("k", "1")));
  const std::string first = this->must_get("k").etag;
  ASSERT_TRUE(this->store_->set(set_request("k", "2")));
  const Item second = this->must_get("k");
  EXPECT_NE(second.etag, first);
  EXPECT_EQ(second.value, "2");
}

TYPED_TEST_P(StoreBehaviour, SaveWithTheCurrentEtagSucceedsAndAStaleOneIsAMismatch) {
  ASSERT_TRUE(this->store_->set(set_request("k", "1")));
  const std::string etag = this->must_get("k").etag;
  SetRequest update = set_request("k", "2");
  update.etag = etag;
  ASSERT_TRUE(this->store_->set(update));
  EXPECT_EQ(this->must_get("k").value, "2");

  SetRequest stale = set_request("k", "3");
  stale.etag = etag;  // consumed by the previous write
  auto rejected = this->store_->set(stale);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, StateErrorKind::etag_mismatch);
  EXPECT_EQ(http_status(rejected.error().kind), 409);
  EXPECT_EQ(this->must_get("k").value, "2");

  // First-write with the right etag is an ordinary conditional update.
  SetRequest first_write = set_request("k", "4");
  first_write.etag = this->must_get("k").etag;
  first_write.concurrency = Concurrency::first_write;
  EXPECT_TRUE(this->store_->set(first_write));
  EXPECT_EQ(this->must_get("k").value, "4");
}

TYPED_TEST_P(StoreBehaviour, SaveWithAnEtagForAMissingKeyIsAMismatch) {
  SetRequest request = set_request("missing", "1");
  request.etag = "1234";  // numeric, so valid for every store
  auto rejected = this->store_->set(request);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, StateErrorKind::etag_mismatch);
  EXPECT_TRUE(this->absent("missing"));
}

TYPED_TEST_P(StoreBehaviour, LastWriteWithoutEtagOverwritesAndEmptyEtagCountsAsNone) {
  ASSERT_TRUE(this->store_->set(set_request("k", "1")));
  SetRequest overwrite = set_request("k", "2");
  overwrite.etag = "";
  EXPECT_TRUE(this->store_->set(overwrite));
  EXPECT_EQ(this->must_get("k").value, "2");
}

TYPED_TEST_P(StoreBehaviour, FirstWriteWithoutEtagCreatesOnceThenConflicts) {
  SetRequest create = set_request("k", "1");
  create.concurrency = Concurrency::first_write;
  ASSERT_TRUE(this->store_->set(create));
  SetRequest again = set_request("k", "2");
  again.concurrency = Concurrency::first_write;
  auto rejected = this->store_->set(again);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, TypeParam::first_write_conflict);
  EXPECT_EQ(this->must_get("k").value, "1");
}

TYPED_TEST_P(StoreBehaviour, DeleteHonoursEtags) {
  ASSERT_TRUE(this->store_->set(set_request("k", "1")));
  const std::string etag = this->must_get("k").etag;
  ASSERT_TRUE(this->store_->set(set_request("k", "2")));

  auto stale = this->store_->remove({"k", etag, Concurrency::first_write});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, StateErrorKind::etag_mismatch);
  EXPECT_FALSE(this->absent("k"));

  EXPECT_TRUE(this->store_->remove({"k", this->must_get("k").etag, Concurrency::first_write}));
  EXPECT_TRUE(this->absent("k"));

  auto gone = this->store_->remove({"k", std::string("4321"), Concurrency::last_write});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, StateErrorKind::etag_mismatch);
  // Without an etag, deleting a missing key is fine.
  EXPECT_TRUE(this->store_->remove({"k", std::nullopt, Concurrency::last_write}));
}

TYPED_TEST_P(StoreBehaviour, BulkGetReturnsEveryKeyInOrder) {
  ASSERT_TRUE(this->store_->set(set_request("a", "\"A\"")));
  ASSERT_TRUE(this->store_->set(set_request("c", "3")));
  const auto items = this->store_->bulk_get({"a", "b", "c"});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].key, "a");
  ASSERT_TRUE(items[0].item);
  EXPECT_EQ(items[0].item->value, "\"A\"");
  EXPECT_EQ(items[1].key, "b");
  EXPECT_FALSE(items[1].item);
  EXPECT_FALSE(items[1].error);
  ASSERT_TRUE(items[2].item);
  EXPECT_EQ(items[2].item->value, "3");
  EXPECT_FALSE(items[2].item->etag.empty());
}

TYPED_TEST_P(StoreBehaviour, TransactionAppliesAllOperations) {
  ASSERT_TRUE(this->store_->set(set_request("old", "0")));
  std::vector<TransactionOperation> operations{set_request("x", "1"), set_request("y", "2"),
                                               DeleteRequest{"old", std::nullopt, Concurrency::last_write}};
  ASSERT_TRUE(this->store_->transact(operations));
  EXPECT_EQ(this->must_get("x").value, "1");
  EXPECT_EQ(this->must_get("y").value, "2");
  EXPECT_TRUE(this->absent("old"));
}

TYPED_TEST_P(StoreBehaviour, AFailingOperationRollsBackTheWholeTransaction) {
  ASSERT_TRUE(this->store_->set(set_request("kept", "\"before\"")));
  ASSERT_TRUE(this->store_->set(set_request("guarded", "1")));
  SetRequest stale = set_request("guarded", "2");
  stale.etag = "99999";  // not the current etag
  std::vector<TransactionOperation> operations{set_request("kept", "\"after\""), set_request("new", "1"),
                                               DeleteRequest{"guarded", std::nullopt, Concurrency::last_write},
                                               stale};
  auto failed = this->store_->transact(operations);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, StateErrorKind::etag_mismatch);
  EXPECT_EQ(this->must_get("kept").value, "\"before\"");
  EXPECT_TRUE(this->absent("new"));
  EXPECT_EQ(this->must_get("guarded").value, "1");
}

TYPED_TEST_P(StoreBehaviour, BinaryValuesRoundTripByteForByte) {
  const std::string bytes("\x00\x01\xff{not json", 13);
  SetRequest request = set_request("bin", bytes);
  request.is_binary = true;
  ASSERT_TRUE(this->store_->set(request));
  const Item item = this->must_get("bin");
  EXPECT_TRUE(item.is_binary);
  EXPECT_EQ(item.value, bytes);
}

TYPED_TEST_P(StoreBehaviour, NonJsonTextIsRejectedAsABadRequest) {
  auto rejected = this->store_->set(set_request("k", "not json"));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, StateErrorKind::invalid_request);
  EXPECT_TRUE(this->absent("k"));
}

TYPED_TEST_P(StoreBehaviour, OddKeysAreStoredExactlyOrRejectedAsBadRequests) {
  for (const std::string& key : {std::string("app||k ' \" ; DROP TABLE state; --"), std::string("\xc3\xa9\xe2\x82\xac"),
                                std::string(1000, 'k')}) {
    ASSERT_TRUE(this->store_->set(set_request(key, "1"))) << key;
    EXPECT_EQ(this->must_get(key).value, "1");
  }
  const std::string with_nul("a\0b", 3);
  auto saved = this->store_->set(set_request(with_nul, "1"));
  if (saved) {
    EXPECT_TRUE(this->absent("a")) << "a NUL must never truncate the key";
    EXPECT_EQ(this->must_get(with_nul).value, "1");
  } else {
    EXPECT_EQ(saved.error().kind, StateErrorKind::invalid_request);
  }
}

TYPED_TEST_P(StoreBehaviour, DataSurvivesReopeningTheStore) {
  ASSERT_TRUE(this->store_->set(set_request("durable", R"({"v":1})")));
  const std::string etag = this->must_get("durable").etag;
  this->store_.reset();
  auto reopened = this->traits_.reopen();
  ASSERT_NE(reopened, nullptr);
  auto found = reopened->get("durable");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(nlohmann::json::parse((*found)->value), nlohmann::json::parse(R"({"v":1})"));
  EXPECT_EQ((*found)->etag, etag);
}

TYPED_TEST_P(StoreBehaviour, ConcurrentWritersFromSeveralThreadsAllLand) {
  constexpr int threads = 4, per_thread = 25;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([this, t] {
      for (int i = 0; i < per_thread; ++i)
        EXPECT_TRUE(this->store_->set(set_request("t" + std::to_string(t) + "-" + std::to_string(i), std::to_string(i))));
    });
  for (auto& worker : workers) worker.join();
  for (int t = 0; t < threads; ++t) EXPECT_EQ(this->must_get("t" + std::to_string(t) + "-24").value, "24");
}

TYPED_TEST_P(StoreBehaviour, ExactlyOneOfConcurrentFirstWritesWins) {
  constexpr int threads = 6;
  std::atomic<int> created{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([this, t, &created] {
      SetRequest request = set_request("contended", std::to_string(t));
      request.concurrency = Concurrency::first_write;
      auto result = this->store_->set(request);
      if (result)
        ++created;
      else
        EXPECT_EQ(result.error().kind, TypeParam::first_write_conflict);
    });
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(created.load(), 1);
}

TYPED_TEST_P(StoreBehaviour, EtagRetriesMakeConcurrentIncrementsExact) {
  constexpr int threads = 4, increments = 10;
  ASSERT_TRUE(this->store_->set(set_request("counter", "0")));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([this] {
      for (int i = 0; i < increments; ++i) {
        while (true) {
          auto current = this->store_->get("counter");
          ASSERT_TRUE(current && *current);
          SetRequest next = set_request("counter", std::to_string(std::stoi((*current)->value) + 1));
          next.etag = (*current)->etag;
          next.concurrency = Concurrency::first_write;
          auto saved = this->store_->set(next);
          if (saved) break;
          ASSERT_EQ(saved.error().kind, StateErrorKind::etag_mismatch) << saved.error().message;
        }
      }
    });
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(this->must_get("counter").value, std::to_string(threads * increments));
}

REGISTER_TYPED_TEST_SUITE_P(StoreBehaviour, SavedJsonComesBackWithAnEtag, EveryWriteChangesTheEtag,
                            SaveWithTheCurrentEtagSucceedsAndAStaleOneIsAMismatch,
                            SaveWithAnEtagForAMissingKeyIsAMismatch,
                            LastWriteWithoutEtagOverwritesAndEmptyEtagCountsAsNone,
                            FirstWriteWithoutEtagCreatesOnceThenConflicts, DeleteHonoursEtags,
                            BulkGetReturnsEveryKeyInOrder, TransactionAppliesAllOperations,
                            AFailingOperationRollsBackTheWholeTransaction, BinaryValuesRoundTripByteForByte,
                            NonJsonTextIsRejectedAsABadRequest, OddKeysAreStoredExactlyOrRejectedAsBadRequests,
                            DataSurvivesReopeningTheStore,
                            ConcurrentWritersFromSeveralThreadsAllLand, ExactlyOneOfConcurrentFirstWritesWins,
                            EtagRetriesMakeConcurrentIncrementsExact);

}  // namespace lf::state::testing
