#include "services/common/state_document.hpp"

#include <algorithm>
#include <memory>
#include <random>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lf::services {
namespace {

dapr::DaprError bad_document(const std::string& key) {
  return dapr::DaprError{500, "LF_BAD_DOCUMENT", "stored value of " + key + " is not a JSON object"};
}

dapr::DaprError gave_up(dapr::DaprError conflict, int attempts, const std::string& key) {
  conflict.message = "gave up after " + std::to_string(attempts) + " conflicting writes of " + key;
  return conflict;
}

// Waits until `done` is true; whoever sets it cancels `signal`. An Asio timer that never expires
// is the wake-up, so Asio itself resumes the coroutine on its executor (a connection's strand).
// (A hand-rolled completion handler here led to a use-after-free of that executor under load,
// found by AddressSanitizer.)
boost::asio::awaitable<void> wait_for_flag(boost::asio::steady_timer& signal, const bool& done) {
  while (!done) {
    boost::system::error_code cancelled;
    co_await signal.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
  }
}

}  // namespace

struct StateDocuments::Waiter {
  Waiter(const DocumentChange* change_to_apply, const dapr::TraceContext* trace_of_change,
         const boost::asio::any_io_executor& executor)
      : change(change_to_apply), trace(trace_of_change), signal(executor, boost::asio::steady_timer::time_point::max()) {}

  const DocumentChange* change;
  const dapr::TraceContext* trace;
  std::optional<dapr::DaprResult<nlohmann::json>> result;  // set when its round is done
  bool woken = false;
  boost::asio::steady_timer signal;

  void wake() {
    woken = true;
    signal.cancel();
  }
};

Duration full_jitter(Duration ceiling) {
  if (ceiling <= Duration::zero()) return Duration::zero();
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::uniform_int_distribution<Duration::rep> pick(0, ceiling.count());
  return Duration{pick(engine)};
}

StateDocuments::StateDocuments(dapr::DaprClient& dapr, Scheduler& scheduler, std::string store,
                               ConflictBackoff backoff)
    : dapr_(dapr), scheduler_(scheduler), store_(std::move(store)), backoff_(std::move(backoff)) {
  if (!backoff_.jitter) backoff_.jitter = full_jitter;
  backoff_.max_attempts = std::max(1, backoff_.max_attempts);
}

boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> StateDocuments::update(std::string key,
                                                                                DocumentChange change,
                                                                                dapr::TraceContext trace) {
  Waiter self(&change, &trace, co_await boost::asio::this_coro::executor);
  // (No structured bindings or braced lists here: g++ 12 miscompiles some of them in coroutines.)
  auto emplaced = writing_.try_emplace(key);
  if (!emplaced.second) {
    emplaced.first->second.pending.push_back(&self);
    co_await wait_for_flag(self.signal, self.woken);
    if (self.result) co_return std::move(*self.result);
    // Woken without a result: the previous round's writer handed this key's queue to us.
  }
  std::vector<Waiter*> batch;
  batch.push_back(&self);
  auto& queue = writing_.at(key).pending;
  batch.insert(batch.end(), queue.begin(), queue.end());
  queue.clear();

  auto result = co_await write_round(key, batch);

  for (Waiter* waiter : batch)
    if (waiter != &self) {
      waiter->result = result;
      waiter->wake();
    }
  // Whoever arrived during the round writes next (one round per request at most, so no request
  // keeps serving a stream of later ones).
  auto& arrived = writing_.at(key).pending;
  if (arrived.empty()) {
    writing_.erase(key);
  } else {
    Waiter* next = arrived.front();
    arrived.erase(arrived.begin());
    next->wake();
  }
  co_return result;
}

boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> StateDocuments::write_round(
    const std::string& key, const std::vector<Waiter*>& batch) {
  dapr::DaprError last_conflict;
  dapr::TraceContext trace;
  for (Waiter* waiter : batch)
    if (trace.empty()) trace = *waiter->trace;
  for (int attempt = 0; attempt < backoff_.max_attempts; ++attempt) {
    if (attempt > 0) {
      const auto doubling = Duration::rep{1} << std::min(attempt - 1, 30);
      co_await pause(backoff_.jitter(std::min<Duration>(backoff_.cap, backoff_.first * doubling)));
    }
    auto stored = co_await dapr_.get_state(store_, key, trace);
    if (!stored) co_return unexpected(stored.error());
    nlohmann::json doc = nlohmann::json::object();
    dapr::StateItem item{key, {}, std::nullopt, dapr::Concurrency::first_write};
    if (stored->has_value()) {
      doc = nlohmann::json::parse((*stored)->value, nullptr, /*allow_exceptions=*/false);
      if (!doc.is_object()) co_return unexpected(bad_document(key));
      item.etag = (*stored)->etag;
    }
    bool changed = false;
    for (Waiter* waiter : batch)
      if ((*waiter->change)(doc)) changed = true;  // every change runs, in arrival order
    if (!changed) co_return doc;
    item.value = doc.dump();
    std::vector<dapr::StateItem> items;
    items.push_back(std::move(item));
    ++save_rounds_;
    auto saved = co_await dapr_.save_state(store_, std::move(items), trace);
    if (saved) co_return doc;
    if (!saved.error().is_etag_conflict()) co_return unexpected(saved.error());
    ++conflicts_;
    last_conflict = saved.error();
  }
  co_return unexpected(gave_up(last_conflict, backoff_.max_attempts, key));
}

boost::asio::awaitable<void> StateDocuments::pause(Duration delay) {
  // Shared with the scheduler's callback, which may outlive this coroutine if it is destroyed.
  struct Alarm {
    explicit Alarm(const boost::asio::any_io_executor& executor)
        : signal(executor, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer signal;
    bool fired = false;
  };
  auto alarm = std::make_shared<Alarm>(co_await boost::asio::this_coro::executor);
  scheduler_.schedule_after(delay, [alarm] {
    alarm->fired = true;
    alarm->signal.cancel();
  });
  co_await wait_for_flag(alarm->signal, alarm->fired);
}

boost::asio::awaitable<dapr::DaprResult<std::optional<nlohmann::json>>> read_document(
    dapr::DaprClient& dapr, const std::string& store, const std::string& key, dapr::TraceContext trace) {
  auto stored = co_await dapr.get_state(store, key, std::move(trace));
  if (!stored) co_return unexpected(stored.error());
  if (!stored->has_value()) co_return std::optional<nlohmann::json>{};
  auto doc = nlohmann::json::parse((*stored)->value, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) co_return unexpected(bad_document(key));
  co_return std::optional<nlohmann::json>{std::move(doc)};
}

}  // namespace lf::services
