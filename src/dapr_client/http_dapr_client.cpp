#include "dapr_client/http_dapr_client.hpp"

#include <nlohmann/json.hpp>

#include "http/url.hpp"

namespace lf::dapr {
namespace {

bool is_success(int status) { return status >= 200 && status < 300; }

std::string state_path(const std::string& store) { return "/v1.0/state/" + http::url::percent_encode(store); }

void add_trace_headers(http::Request& request, const TraceContext& trace) {
  HeaderList headers;
  trace.add_to(headers);
  for (auto& [name, value] : headers) request.headers.set(name, value);
}

DaprStatus status_of(const DaprResult<http::Response>& result) {
  if (!result) return unexpected(result.error());
  if (!is_success(result->status)) return unexpected(parse_error_body(result->status, result->body));
  return {};
}

}  // namespace

HttpDaprClient::HttpDaprClient(boost::asio::io_context& io, HttpDaprClientOptions options)
    : options_(std::move(options)),
      client_(io),
      endpoint_{options_.sidecar.host, static_cast<std::uint16_t>(options_.sidecar.http_port)} {}

boost::asio::awaitable<DaprResult<http::Response>> HttpDaprClient::call(http::Request request, Duration timeout) {
  if (!options_.sidecar.api_token.empty()) request.headers.set("dapr-api-token", options_.sidecar.api_token);
  auto result = co_await client_.send(endpoint_, std::move(request), timeout);
  if (!result) co_return unexpected(DaprError{0, {}, result.error().message});
  co_return std::move(*result);
}

boost::asio::awaitable<DaprResult<InvokeResponse>> HttpDaprClient::invoke(InvokeRequest invoke) {
  http::Request request;
  request.method = invoke.verb;
  request.set_target("/v1.0/invoke/" + http::url::percent_encode(invoke.app_id) + "/method/" + invoke.method);
  invoke.trace.add_to(invoke.headers);
  for (auto& [name, value] : invoke.headers) request.headers.add(name, value);
  request.body = std::move(invoke.body);
  auto result = co_await call(std::move(request), options_.call_timeout);
  if (!result) co_return unexpected(result.error());
  // Dapr answers for the target when it could not reach it; those bodies carry ERR_DIRECT_INVOKE.
  if (result->status >= 400) {
    auto error = parse_error_body(result->status, result->body);
    if (error.error_code == "ERR_DIRECT_INVOKE") co_return unexpected(error);
  }
  InvokeResponse response;
  response.status = result->status;
  response.content_type = std::string(result->headers.get_or("Content-Type", ""));
  response.body = std::move(result->body);
  co_return response;
}

boost::asio::awaitable<DaprStatus> HttpDaprClient::publish(PublishRequest publish) {
  http::Request request;
  request.method = "POST";
  http::url::QueryPairs query;
  for (auto& [key, value] : publish.metadata) query.emplace_back("metadata." + key, value);
  std::string target =
      "/v1.0/publish/" + http::url::percent_encode(publish.pubsub) + "/" + http::url::percent_encode(publish.topic);
  if (!query.empty()) target += "?" + http::url::build_query(query);
  request.set_target(std::move(target));
  request.headers.set("Content-Type", "application/json");
  add_trace_headers(request, publish.trace);
  request.body = std::move(publish.json);
  co_return status_of(co_await call(std::move(request), options_.publish_timeout));
}

boost::asio::awaitable<DaprResult<std::optional<StateEntry>>> HttpDaprClient::get_state(std::string store,
                                                                                        std::string key,
                                                                                        TraceContext trace) {
  http::Request request;
  request.method = "GET";
  request.set_target(state_path(store) + "/" + http::url::percent_encode(key));
  add_trace_headers(request, trace);
  auto result = co_await call(std::move(request), options_.call_timeout);
  if (!result) co_return unexpected(result.error());
  if (result->status == 204 || (is_success(result->status) && result->body.empty())) co_return std::optional<StateEntry>{};
  if (!is_success(result->status)) co_return unexpected(parse_error_body(result->status, result->body));
  co_return std::optional<StateEntry>{StateEntry{std::move(result->body), std::string(result->headers.get_or("ETag", ""))}};
}

boost::asio::awaitable<DaprStatus> HttpDaprClient::save_state(std::string store, std::vector<StateItem> items,
                                                             TraceContext trace) {
  auto body = nlohmann::json::array();
  for (auto& item : items) {
    auto value = nlohmann::json::parse(item.value, nullptr, /*allow_exceptions=*/false);
    // Values are JSON documents; a caller passing plain text still gets it stored as a JSON string.
    nlohmann::json entry{{"key", item.key}, {"value", value.is_discarded() ? nlohmann::json(item.value) : value}};
    if (item.etag) entry["etag"] = *item.etag;
    entry["options"] = {{"concurrency", item.concurrency == Concurrency::first_write ? "first-write" : "last-write"}};
    body.push_back(std::move(entry));
  }
  http::Request request;
  request.method = "POST";
  request.set_target(state_path(store));
  request.headers.set("Content-Type", "application/json");
  add_trace_headers(request, trace);
  request.body = body.dump();
  co_return status_of(co_await call(std::move(request), options_.call_timeout));
}

boost::asio::awaitable<DaprStatus> HttpDaprClient::delete_state(std::string store, std::string key,
                                                                std::optional<std::string> etag, TraceContext trace) {
  http::Request request;
  request.method = "DELETE";
  request.set_target(state_path(store) + "/" + http::url::percent_encode(key));
  add_trace_headers(request, trace);
  if (etag) request.headers.set("If-Match", *etag);
  co_return status_of(co_await call(std::move(request), options_.call_timeout));
}

boost::asio::awaitable<DaprStatus> HttpDaprClient::health(bool outbound) {
  http::Request request;
  request.method = "GET";
  request.set_target(outbound ? "/v1.0/healthz/outbound" : "/v1.0/healthz");
  co_return status_of(co_await call(std::move(request), options_.health_timeout));
}

}  // namespace lf::dapr
