#pragma once
// In-memory DaprClient for unit tests: a state store with Dapr's sqlite ETag rules, a record of
// every publish, scripted invocation targets, and switches to make each operation fail.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dapr_client/dapr_client.hpp"

namespace lf::dapr {

using PublishedEvent = PublishRequest;

// One state call as the fake received it ("get", "save" (one per item) or "delete").
struct StateCall {
  std::string operation;
  std::string key;
  TraceContext trace;
};

class FakeDaprClient final : public DaprClient {
 public:
  using InvokeHandler = std::function<DaprResult<InvokeResponse>(const InvokeRequest&)>;

  boost::asio::awaitable<DaprResult<InvokeResponse>> invoke(InvokeRequest request) override;
  boost::asio::awaitable<DaprStatus> publish(PublishRequest request) override;
  boost::asio::awaitable<DaprResult<std::optional<StateEntry>>> get_state(std::string store, std::string key,
                                                                          TraceContext trace) override;
  boost::asio::awaitable<DaprStatus> save_state(std::string store, std::vector<StateItem> items,
                                                TraceContext trace) override;
  boost::asio::awaitable<DaprStatus> delete_state(std::string store, std::string key, std::optional<std::string> etag,
                                                  TraceContext trace) override;
  boost::asio::awaitable<DaprStatus> health(bool outbound) override;

  // --- test controls ---
  void on_invoke(const std::string& app_id, InvokeHandler handler) { invoke_handlers_[app_id] = std::move(handler); }
  // Publishes fail (500 ERR_PUBSUB_PUBLISH_MESSAGE, as after the sidecar's retries) while set.
  void set_publish_failing(bool failing) { publish_failing_ = failing; }
  // Every state call fails with a transport error while set.
  void set_state_failing(bool failing) { state_failing_ = failing; }
  void set_healthy(bool healthy) { healthy_ = healthy; }
  // The next n saves of this key answer 409 as if another writer got there first.
  void inject_etag_conflicts(const std::string& key, int n) { injected_conflicts_[key] = n; }

  const std::vector<PublishedEvent>& published() const { return published_; }
  int publish_attempts() const { return publish_attempts_; }
  int save_calls() const { return save_calls_; }
  std::vector<InvokeRequest> invocations() const { return invocations_; }
  const std::vector<StateCall>& state_calls() const { return state_calls_; }
  // Direct access to stored JSON (store||key), nullopt when absent.
  std::optional<std::string> stored(const std::string& store, const std::string& key) const;
  void put(const std::string& store, const std::string& key, std::string json);

 private:
  struct Row {
    std::string value;
    std::string etag;
  };
  std::map<std::string, Row> rows_;  // "<store>||<key>"
  std::map<std::string, InvokeHandler> invoke_handlers_;
  std::map<std::string, int> injected_conflicts_;
  std::vector<PublishedEvent> published_;
  std::vector<InvokeRequest> invocations_;
  std::vector<StateCall> state_calls_;
  bool publish_failing_ = false;
  bool state_failing_ = false;
  bool healthy_ = true;
  int publish_attempts_ = 0;
  int save_calls_ = 0;
  std::uint64_t next_etag_ = 1;
};

}  // namespace lf::dapr
