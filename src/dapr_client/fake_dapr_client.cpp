#include "dapr_client/fake_dapr_client.hpp"

namespace lf::dapr {
namespace {

std::string row_key(const std::string& store, const std::string& key) { return store + "||" + key; }

DaprError state_unreachable() {
  return DaprError{0, {}, "dial tcp 127.0.0.1:3500: connect: connection refused"};
}

}  // namespace

boost::asio::awaitable<DaprResult<InvokeResponse>> FakeDaprClient::invoke(InvokeRequest request) {
  invocations_.push_back(request);
  auto it = invoke_handlers_.find(request.app_id);
  if (it == invoke_handlers_.end())
    co_return unexpected(DaprError{500, "ERR_DIRECT_INVOKE",
                                   "failed to invoke, id: " + request.app_id + ", err: couldn't find service: " +
                                       request.app_id});
  co_return it->second(request);
}

boost::asio::awaitable<DaprStatus> FakeDaprClient::publish(PublishRequest request) {
  ++publish_attempts_;
  if (publish_failing_)
    co_return unexpected(DaprError{500, "ERR_PUBSUB_PUBLISH_MESSAGE",
                                   "error when publish to topic " + request.topic + " in pubsub " + request.pubsub +
                                       ": kafka: client has run out of available brokers to talk to"});
  published_.push_back(std::move(request));
  co_return DaprStatus{};
}

boost::asio::awaitable<DaprResult<std::optional<StateEntry>>> FakeDaprClient::get_state(std::string store,
                                                                                        std::string key,
                                                                                        TraceContext trace) {
  state_calls_.push_back(StateCall{"get", key, std::move(trace)});
  if (state_failing_) co_return unexpected(state_unreachable());
  auto it = rows_.find(row_key(store, key));
  if (it == rows_.end()) co_return std::optional<StateEntry>{};
  co_return std::optional<StateEntry>{StateEntry{it->second.value, it->second.etag}};
}

boost::asio::awaitable<DaprStatus> FakeDaprClient::save_state(std::string store, std::vector<StateItem> items,
                                                              TraceContext trace) {
  ++save_calls_;
  for (const auto& item : items) state_calls_.push_back(StateCall{"save", item.key, trace});
  if (state_failing_) co_return unexpected(state_unreachable());
  // Check every item first so a rejected batch changes nothing (Dapr's sqlite saves in one transaction).
  for (const auto& item : items) {
    auto conflict = injected_conflicts_.find(item.key);
    if (conflict != injected_conflicts_.end() && conflict->second > 0) {
      --conflict->second;
      co_return unexpected(DaprError{409, "ERR_STATE_SAVE", "possible etag mismatch. error from state store"});
    }
    auto it = rows_.find(row_key(store, item.key));
    bool mismatch = item.etag ? (it == rows_.end() || it->second.etag != *item.etag)
                              : (item.concurrency == Concurrency::first_write && it != rows_.end());
    if (mismatch)
      co_return unexpected(DaprError{409, "ERR_STATE_SAVE", "possible etag mismatch. error from state store"});
  }
  for (auto& item : items) rows_[row_key(store, item.key)] = Row{std::move(item.value), std::to_string(next_etag_++)};
  co_return DaprStatus{};
}

boost::asio::awaitable<DaprStatus> FakeDaprClient::delete_state(std::string store, std::string key,
                                                                std::optional<std::string> etag, TraceContext trace) {
  state_calls_.push_back(StateCall{"delete", key, std::move(trace)});
  if (state_failing_) co_return unexpected(state_unreachable());
  auto it = rows_.find(row_key(store, key));
  if (etag && (it == rows_.end() || it->second.etag != *etag))
    co_return unexpected(DaprError{409, "ERR_STATE_DELETE", "possible etag mismatch. error from state store"});
  if (it != rows_.end()) rows_.erase(it);
  co_return DaprStatus{};
}

boost::asio::awaitable<DaprStatus> FakeDaprClient::health(bool) {
  if (!healthy_) co_return unexpected(DaprError{0, {}, "dial tcp 127.0.0.1:3500: connect: connection refused"});
  co_return DaprStatus{};
}

std::optional<std::string> FakeDaprClient::stored(const std::string& store, const std::string& key) const {
  auto it = rows_.find(row_key(store, key));
  if (it == rows_.end()) return std::nullopt;
  return it->second.value;
}

void FakeDaprClient::put(const std::string& store, const std::string& key, std::string json) {
  rows_[row_key(store, key)] = Row{std::move(json), std::to_string(next_etag_++)};
}

}  // namespace lf::dapr
