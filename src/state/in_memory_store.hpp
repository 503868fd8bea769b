#pragma once
// A state store for unit tests of the sidecar: state.sqlite's exact semantics (it is the SQLite
// store on a private in-memory database driven by the test's clock), plus fault injection and
// call counting.
#include <atomic>
#include <deque>
#include <mutex>

#include "state/sqlite_store.hpp"

namespace lf::state {

class InMemoryStateStore final : public StateStore {
 public:
  explicit InMemoryStateStore(const Clock& clock = SystemClock::instance());

  StateResult<std::optional<Item>> get(const std::string& key) override;
  StateStatus set(const SetRequest& request) override;
  StateStatus remove(const DeleteRequest& request) override;
  StateStatus transact(const std::vector<TransactionOperation>& operations) override;

  // The next calls (any operation, in order) fail with these errors instead of touching the data.
  void fail_next(StateError error);
  std::size_t calls() const { return calls_.load(); }

 private:
  std::optional<StateError> take_injected_failure();

  std::unique_ptr<SqliteStateStore> store_;
  std::mutex mutex_;
  std::deque<StateError> injected_;
  std::atomic<std::size_t> calls_{0};
};

}  // namespace lf::state
