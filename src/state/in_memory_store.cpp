#include "state/in_memory_store.hpp"

#include <cstdlib>
#include <iostream>

namespace lf::state {

InMemoryStateStore::InMemoryStateStore(const Clock& clock) {
  SqliteStoreOptions options;
  options.connection_string = ":memory:";
  auto store = SqliteStateStore::open(options, clock);
  if (!store) {
    // Only a broken SQLite build gets here; a test double has no caller to report to.
    std::cerr << "InMemoryStateStore: " << store.error().message << '\n';
    std::abort();
  }
  store_ = std::move(*store);
}

void InMemoryStateStore::fail_next(StateError error) {
  std::lock_guard lock(mutex_);
  injected_.push_back(std::move(error));
}

std::optional<StateError> InMemoryStateStore::take_injected_failure() {
  ++calls_;
  std::lock_guard lock(mutex_);
  if (injected_.empty()) return std::nullopt;
  StateError error = std::move(injected_.front());
  injected_.pop_front();
  return error;
}

StateResult<std::optional<Item>> InMemoryStateStore::get(const std::string& key) {
  if (auto failure = take_injected_failure()) return unexpected(std::move(*failure));
  return store_->get(key);
}

StateStatus InMemoryStateStore::set(const SetRequest& request) {
  if (auto failure = take_injected_failure()) return unexpected(std::move(*failure));
  return store_->set(request);
}

StateStatus InMemoryStateStore::remove(const DeleteRequest& request) {
  if (auto failure = take_injected_failure()) return unexpected(std::move(*failure));
  return store_->remove(request);
}

StateStatus InMemoryStateStore::transact(const std::vector<TransactionOperation>& operations) {
  if (auto failure = take_injected_failure()) return unexpected(std::move(*failure));
  return store_->transact(operations);
}

}  // namespace lf::state
