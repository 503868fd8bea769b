#pragma once
// The services' view of their own Dapr sidecar: service invocation, publish, state and health,
// with typed results. The HTTP implementation talks to http://127.0.0.1:$DAPR_HTTP_PORT; the fake
// keeps everything in memory so the services' logic is unit-tested without sockets.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/expected.hpp"
#include "http/headers.hpp"

namespace lf::dapr {

// What the sidecar (or the path to it) reported. status 0 means no HTTP answer at all
// (connection refused, timeout); error_code is Dapr's errorCode (ERR_...) when the body had one.
struct DaprError {
  int status = 0;
  std::string error_code;
  std::string message;

  bool is_transport() const { return status == 0; }
  bool is_etag_conflict() const { return status == 409; }
  std::string describe() const;  // one line for logs
};

template <typename T>
using DaprResult = Expected<T, DaprError>;
using DaprStatus = Expected<void, DaprError>;

// Builds a DaprError from a non-2xx sidecar answer, reading Dapr's {"errorCode","message"} body
// when there is one and falling back to the raw text otherwise (e.g. the plain 401 body).
DaprError parse_error_body(int status, std::string_view body);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// W3C trace context (`traceparent`, `tracestate`) an app received. Dapr leaves propagation to the
// apps: a sidecar call without it starts a new trace, so a service passes on what it was called
// (or delivered an event) with. Empty when the caller sent none or sent a malformed traceparent.
struct TraceContext {
  std::string traceparent;
  std::string tracestate;  // only kept together with a valid traceparent

  // For work that belongs to no request (background drains, heartbeats).
  static TraceContext none() { return {}; }
  bool empty() const { return traceparent.empty(); }
  // From untrusted values (a request's headers, a stored record): an invalid traceparent gives an
  // empty context; a tracestate is kept only if it is printable ASCII of at most 1 KiB.
  static TraceContext from(std::string_view traceparent, std::string_view tracestate);
  static TraceContext from_headers(const http::Headers& headers);
  // Appends the header(s) to `headers` when not empty.
  void add_to(HeaderList& headers) const;
  bool operator==(const TraceContext&) const = default;
};

// Whether `value` is a W3C traceparent we may pass on: version 00 is exactly
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>" with non-zero ids; a later version may
// append "-..." fields; version ff is invalid.
bool is_valid_traceparent(std::string_view value);

struct InvokeRequest {
  std::string app_id;
  std::string method;  // path on the target app without the leading '/', may carry "?query"
  std::string verb = "GET";
  std::string body;
  HeaderList headers;  // e.g. Content-Type
  TraceContext trace;  // sent as traceparent/tracestate headers
};

struct PublishRequest {
  std::string pubsub;
  std::string topic;
  std::string json;  // the event payload (Content-Type application/json)
  // Becomes ?metadata.<k>=<v> (e.g. "cloudevent.id" to give the CloudEvent a stable id).
  std::map<std::string, std::string> metadata;
  TraceContext trace;  // sent as traceparent/tracestate headers: the sidecar's publish span joins it
};

// The target app's answer, passed through whatever its status (Dapr does the same).
struct InvokeResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

enum class Concurrency { last_write, first_write };

struct StateItem {
  std::string key;
  std::string value;  // JSON text, stored as-is
  std::optional<std::string> etag;
  Concurrency concurrency = Concurrency::last_write;
};

struct StateEntry {
  std::string value;  // JSON text
  std::string etag;
};

class DaprClient {
 public:
  virtual ~DaprClient() = default;

  // A sidecar-side failure to reach the app (Dapr's ERR_DIRECT_INVOKE, connection errors) is a
  // DaprError; any answer of the target app itself is an InvokeResponse.
  virtual boost::asio::awaitable<DaprResult<InvokeResponse>> invoke(InvokeRequest request) = 0;

  virtual boost::asio::awaitable<DaprStatus> publish(PublishRequest request) = 0;

  // State calls made on behalf of a request or a delivered event pass its `trace` so the
  // sidecar's state spans join that trace; background work passes TraceContext::none(). (No
  // default arguments: g++ 12 destroys a default argument of a coroutine call twice.)
  // nullopt when the key does not exist (Dapr answers 204).
  virtual boost::asio::awaitable<DaprResult<std::optional<StateEntry>>> get_state(std::string store, std::string key,
                                                                                  TraceContext trace) = 0;
  virtual boost::asio::awaitable<DaprStatus> save_state(std::string store, std::vector<StateItem> items,
                                                        TraceContext trace) = 0;
  virtual boost::asio::awaitable<DaprStatus> delete_state(std::string store, std::string key,
                                                          std::optional<std::string> etag, TraceContext trace) = 0;

  // GET /v1.0/healthz (outbound = false) or /v1.0/healthz/outbound: success on 204.
  virtual boost::asio::awaitable<DaprStatus> health(bool outbound) = 0;
};

// Where the sidecar is, from Dapr's own environment variables.
struct SidecarAddress {
  std::string host = "127.0.0.1";
  int http_port = 3500;
  std::string api_token;  // DAPR_API_TOKEN, sent as dapr-api-token when set
};
SidecarAddress sidecar_from_environment();

}  // namespace lf::dapr
