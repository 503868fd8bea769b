// /v1.0/state/<store>[/<key>|/bulk|/transaction]: Dapr's state API on a worker pool, with outbound
// component resiliency and dapr_component_state_* metrics.
#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "http/url.hpp"
#include "resiliency/run_async.hpp"
#include "sidecar/api.hpp"

namespace lf::sidecar {

namespace {

using Json = nlohmann::json;

http::Response malformed(const std::string& message) { return http::error_response(400, "ERR_MALFORMED_REQUEST", message); }


// Runs a blocking store call on the worker pool under the component's outbound policy. Client
// mistakes (etag mismatch, bad etag, bad request) end the run without retries and without
// counting as a component failure; storage errors are retried per the policy.
template <typename T>
using StoreCall = std::function<state::StateResult<T>()>;

// Callers pass `call` as a named variable: g++ 12 destroys a temporary converted into a
// coroutine argument inside a co_await expression twice.
template <typename T>
boost::asio::awaitable<state::StateResult<T>> run_store(SidecarContext& ctx, StateComponent& component,
                                                        const char* operation, StoreCall<T> call) {
  auto policy = ctx.resiliency.component_outbound_policy(component.name, resiliency::ComponentType::statestore);
  auto result = std::make_shared<std::optional<state::StateResult<T>>>();
  WorkerPool& workers = ctx.workers;
  resiliency::Operation op = [&workers, call, result](const resiliency::AttemptContext&, resiliency::OpCompletion done) {
    workers.submit([call, result, done] {
      auto r = call();
      bool storage_failure = !r && r.error().kind == state::StateErrorKind::internal;
      std::string message = r ? std::string() : r.error().message;
      *result = std::move(r);
      done(storage_failure ? resiliency::OpResult::failure(message) : resiliency::OpResult::ok());
    });
  };
  auto start = std::chrono::steady_clock::now();
  auto outcome = co_await resiliency::run_async(ctx.runner, policy, op);
  state::StateResult<T> final_result =
      outcome.is_ok() && *result ? std::move(**result) : state::StateResult<T>(state::state_error(state::StateErrorKind::internal, outcome.message));
  std::vector<std::string> labels = {ctx.options.app_id, component.name, ctx.namespace_label, operation,
                                     final_result ? "true" : "false"};
  ctx.metrics.state_count.with(labels).inc();
  ctx.metrics.state_latencies.with(labels).observe(whole_ms_since(start));
  co_return final_result;
}

state::Concurrency concurrency_of(const Json& options) {
  if (options.is_object() && options.contains("concurrency") && options["concurrency"] == "first-write")
    return state::Concurrency::first_write;
  return state::Concurrency::last_write;
}

std::map<std::string, std::string> string_map(const Json& obj) {
  std::map<std::string, std::string> out;
  if (obj.is_object())
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (it->is_string()) out[it.key()] = it->get<std::string>();
  return out;
}

// One {"key","value","etag","metadata","options"} item into a SetRequest (stored key prefixed).
Expected<state::SetRequest, http::Response> set_request(const StateComponent& c, const Json& item) {
  if (!item.is_object() || !item.contains("key") || !item["key"].is_string() || item["key"].get<std::string>().empty())
    return unexpected(malformed("state item needs a non-empty string \"key\""));
  auto key = c.prefix.stored_key(item["key"].get<std::string>());
  if (!key) return unexpected(malformed(key.error().message));
  state::SetRequest req;
  req.key = *key;
  req.value = item.contains("value") ? item["value"].dump(-1, ' ', false, Json::error_handler_t::replace) : "null";
  if (item.contains("etag") && item["etag"].is_string()) req.etag = item["etag"].get<std::string>();
  req.concurrency = concurrency_of(item.value("options", Json::object()));
  auto ttl = state::parse_ttl(string_map(item.value("metadata", Json::object())));
  if (!ttl) return unexpected(malformed(ttl.error().message));
  req.ttl_seconds = *ttl;
  return req;
}

http::Response state_failure(const state::StateError& e, const char* code, const std::string& message) {
  return http::error_response(state::http_status(e.kind), code, message + ": " + e.message);
}

boost::asio::awaitable<http::Response> save(SidecarContext& ctx, StateComponent& c, const std::string& body) {
  Json items = Json::parse(body, nullptr, false);
  if (items.is_discarded() || !items.is_array()) co_return malformed("the body must be a JSON array of state items");
  std::vector<state::SetRequest> requests;
  for (const auto& item : items) {
    auto r = set_request(c, item);
    if (!r) co_return r.error();
    requests.push_back(std::move(*r));
  }
  if (requests.empty()) co_return http::Response{204, {}, {}};
  auto* store = c.store.get();
  StoreCall<bool> call = [store, requests]() -> state::StateResult<bool> {
    for (const auto& r : requests)
      if (auto s = store->set(r); !s) return state::state_error(s.error().kind, s.error().message);
    return true;
  };
  auto result = co_await run_store<bool>(ctx, c, "set", call);
  if (!result) co_return state_failure(result.error(), "ERR_STATE_SAVE", "failed saving state in state store " + c.name);
  co_return http::Response{204, {}, {}};
}

boost::asio::awaitable<http::Response> get(SidecarContext& ctx, StateComponent& c, const std::string& user_key) {
  auto key = c.prefix.stored_key(user_key);
  if (!key) co_return malformed(key.error().message);
  auto* store = c.store.get();
  StoreCall<std::optional<state::Item>> call = [store, k = *key] { return store->get(k); };
  auto result = co_await run_store<std::optional<state::Item>>(ctx, c, "get", call);
  if (!result) co_return state_failure(result.error(), "ERR_STATE_GET", "fail to get " + user_key + " from state store " + c.name);
  if (!*result) co_return http::Response{204, {}, {}};
  auto response = http::Response::json(200, (*result)->value);
  response.headers.set("ETag", (*result)->etag);
  co_return response;
}

boost::asio::awaitable<http::Response> remove(SidecarContext& ctx, StateComponent& c, const std::string& user_key,
                                              const http::Request& request) {
  auto key = c.prefix.stored_key(user_key);
  if (!key) co_return malformed(key.error().message);
  state::DeleteRequest del{*key, std::nullopt, state::Concurrency::last_write};
  if (auto etag = request.headers.get("If-Match")) del.etag = std::string(*etag);
  for (const auto& [k, v] : http::url::parse_query(request.query))
    if (k == "concurrency" && v == "first-write") del.concurrency = state::Concurrency::first_write;
  auto* store = c.store.get();
  StoreCall<bool> call = [store, del]() -> state::StateResult<bool> {
    if (auto s = store->remove(del); !s) return state::state_error(s.error().kind, s.error().message);
    return true;
  };
  auto result = co_await run_store<bool>(ctx, c, "delete", call);
  if (!result) co_return state_failure(result.error(), "ERR_STATE_DELETE", "failed deleting state with key " + user_key);
  co_return http::Response{204, {}, {}};
}

boost::asio::awaitable<http::Response> bulk_get(SidecarContext& ctx, StateComponent& c, const std::string& body) {
  Json req = Json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object() || !req.contains("keys") || !req["keys"].is_array())
    co_return malformed("the body must be {\"keys\": [...]}");
  std::vector<std::string> user_keys, stored;
  for (const auto& k : req["keys"]) {
    if (!k.is_string()) co_return malformed("keys must be strings");
    auto key = c.prefix.stored_key(k.get<std::string>());
    if (!key) co_return malformed(key.error().message);
    user_keys.push_back(k.get<std::string>());
    stored.push_back(*key);
  }
  auto* store = c.store.get();
  StoreCall<std::vector<state::BulkGetItem>> call = [store, stored]() -> state::StateResult<std::vector<state::BulkGetItem>> {
    return store->bulk_get(stored);
  };
  auto result = co_await run_store<std::vector<state::BulkGetItem>>(ctx, c, "bulk_get", call);
  if (!result) co_return state_failure(result.error(), "ERR_STATE_BULK_GET", "failed getting state in state store " + c.name);
  Json out = Json::array();
  for (std::size_t i = 0; i < result->size(); ++i) {
    const auto& item = (*result)[i];
    Json entry = {{"key", user_keys[i]}};
    if (item.error) {
      entry["error"] = item.error->message;
    } else if (item.item) {
      entry["data"] = Json::parse(item.item->value, nullptr, false);
      if (entry["data"].is_discarded()) entry["data"] = item.item->value;
      entry["etag"] = item.item->etag;
    }
    out.push_back(std::move(entry));
  }
  co_return http::Response::json(200, out.dump(-1, ' ', false, Json::error_handler_t::replace));
}

boost::asio::awaitable<http::Response> transaction(SidecarContext& ctx, StateComponent& c, const std::string& body) {
  Json req = Json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object() || !req.contains("operations") || !req["operations"].is_array())
    co_return malformed("the body must be {\"operations\": [...]}");
  std::vector<state::TransactionOperation> ops;
  for (const auto& op : req["operations"]) {
    std::string kind = op.is_object() ? op.value("operation", "") : "";
    const Json& item = op.is_object() && op.contains("request") ? op["request"] : Json();
    if (kind == "upsert") {
      auto r = set_request(c, item);
      if (!r) co_return r.error();
      ops.emplace_back(std::move(*r));
    } else if (kind == "delete") {
      if (!item.is_object() || !item.contains("key") || !item["key"].is_string()) co_return malformed("delete needs a \"key\"");
      auto key = c.prefix.stored_key(item["key"].get<std::string>());
      if (!key) co_return malformed(key.error().message);
      state::DeleteRequest del{*key, std::nullopt, concurrency_of(item.value("options", Json::object()))};
      if (item.contains("etag") && item["etag"].is_string()) del.etag = item["etag"].get<std::string>();
      ops.emplace_back(std::move(del));
    } else {
      co_return malformed("operation type " + kind + " not supported (use upsert or delete)");
    }
  }
  auto* store = c.store.get();
  StoreCall<bool> call = [store, ops]() -> state::StateResult<bool> {
    if (auto s = store->transact(ops); !s) return state::state_error(s.error().kind, s.error().message);
    return true;
  };
  auto result = co_await run_store<bool>(ctx, c, "transaction", call);
  if (!result) co_return state_failure(result.error(), "ERR_STATE_TRANSACTION", "error while executing state transaction");
  co_return http::Response{204, {}, {}};
}

}  // namespace

boost::asio::awaitable<http::Response> handle_state(SidecarContext& ctx, const std::string& store_name,
                                                    const std::string& rest, http::Request request) {
  if (ctx.stores.empty()) co_return http::error_response(500, "ERR_STATE_STORE_NOT_CONFIGURED", "state store is not configured");
  auto it = ctx.stores.find(store_name);
  if (it == ctx.stores.end())
    co_return http::error_response(400, "ERR_STATE_STORE_NOT_FOUND", "state store " + store_name + " is not found");
  StateComponent& c = it->second;
  const std::string& m = request.method;
  if (rest.empty() && (m == "POST" || m == "PUT")) co_return co_await save(ctx, c, request.body);
  if (rest == "bulk" && m == "POST") co_return co_await bulk_get(ctx, c, request.body);
  if (rest == "transaction" && (m == "POST" || m == "PUT")) co_return co_await transaction(ctx, c, request.body);
  auto key = http::url::percent_decode(rest).value_or(rest);
  if (!key.empty() && m == "GET") co_return co_await get(ctx, c, key);
  if (!key.empty() && m == "DELETE") co_return co_await remove(ctx, c, key, request);
  co_return http::error_response(405, "ERR_MALFORMED_REQUEST", "method " + m + " is not allowed on this state path");
}

}  // namespace lf::sidecar
