// Service invocation: the caller's side (/v1.0/invoke and dapr-app-id) with app-target
// resiliency, and the callee's side on the internal port (ACL, then the app).
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "resiliency/run_async.hpp"
#include "sidecar/acl.hpp"
#include "sidecar/api.hpp"
#include "sidecar/invoke_retry.hpp"

namespace lf::sidecar {

namespace {

// Marks answers made by a callee sidecar itself (not by its app), so the caller can tell a failed
// hop from an app error.
constexpr std::string_view kSidecarErrorHeader = "x-learnflow-sidecar-error";
constexpr auto kDefaultInvokeDeadline = std::chrono::minutes(5);
constexpr int kMaxInstancesPerAttempt = 8;


http::Request forwarded_request(const SidecarContext& ctx, const std::string& callee, const std::string& method,
                                http::Request in, const TraceContext& trace) {
  http::Request out;
  out.method = in.method;
  out.set_target("/" + method + (in.query.empty() ? "" : "?" + in.query));
  out.headers.reserve(in.headers.size() + 4);
  for (const auto& h : in.headers) {
    if (is_hop_by_hop_header(h.name) || iequals(h.name, "dapr-app-id") || iequals(h.name, "host") ||
        iequals(h.name, "traceparent") || iequals(h.name, "tracestate") || iequals(h.name, kSidecarErrorHeader))
      continue;
    if (!ctx.options.api_token.empty() && iequals(h.name, "dapr-api-token")) continue;
    out.headers.add(h.name, h.value);
  }
  out.headers.set("dapr-caller-app-id", ctx.options.app_id);
  out.headers.set("dapr-callee-app-id", callee);
  if (!ctx.options.namespace_name.empty()) out.headers.set("dapr-caller-namespace", ctx.options.namespace_name);
  out.headers.set("traceparent", trace.traceparent());
  if (!trace.tracestate.empty()) out.headers.set("tracestate", trace.tracestate);
  out.body = std::move(in.body);
  return out;
}

http::Response invoke_error(int status, const std::string& app_id, const std::string& err) {
  return http::error_response(status, "ERR_DIRECT_INVOKE", "failed to invoke, id: " + app_id + ", err: " + err);
}

http::Response sidecar_error(int status, const std::string& app_id, const std::string& err) {
  auto r = invoke_error(status, app_id, err);
  r.headers.set(std::string(kSidecarErrorHeader), "1");
  return r;
}

// A callee sidecar answers "failed to invoke, id: <x>, err: <cause>"; the caller reports the cause.
std::string callee_error_cause(const std::string& body, const std::string& fallback) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("message") || !parsed["message"].is_string()) return fallback;
  std::string message = parsed["message"].get<std::string>();
  auto pos = message.find("err: ");
  return pos == std::string::npos ? message : message.substr(pos + 5);
}

bool parse_address(const std::string& address, http::Endpoint& ep) {
  auto colon = address.rfind(':');
  long long port = 0;
  if (colon == std::string::npos || !parse_int64(address.substr(colon + 1), port) || port <= 0 || port > 65535) return false;
  ep.host = address.substr(0, colon);
  if (ep.host.size() > 2 && ep.host.front() == '[') ep.host = ep.host.substr(1, ep.host.size() - 2);
  ep.port = static_cast<std::uint16_t>(port);
  return true;
}

Result<std::string> resolve(SidecarContext& ctx, const std::string& app_id) {
  return ctx.resolve ? ctx.resolve(app_id) : Result<std::string>(fail("couldn't find service: " + app_id));
}

// Why an attempt got no answer: `transport` is unset when nothing was sent (resolution failed).
struct HopError {
  std::optional<http::ClientError::Kind> transport;
  std::string message;
};

// One hop to a callee sidecar; connection refusals move on to the next instance at once, since
// nothing was sent (safe even for non-idempotent calls). `first_address`, when set, was resolved
// already (each resolution advances the round robin).
boost::asio::awaitable<Expected<http::Response, HopError>> send_to_callee(SidecarContext& ctx, const std::string& app_id,
                                                                        const http::Request& request, Duration deadline,
                                                                        std::optional<std::string> first_address) {
  HopError last_error;
  for (int i = 0; i < kMaxInstancesPerAttempt; ++i) {
    auto address = i == 0 && first_address ? Result<std::string>(*first_address) : resolve(ctx, app_id);
    if (!address) co_return unexpected(HopError{std::nullopt, address.error().message});
    http::Endpoint ep;
    if (!parse_address(*address, ep))
      co_return unexpected(HopError{std::nullopt, "invalid address " + *address + " for app id " + app_id});
    auto res = co_await ctx.client.send_borrowed(ep, request, deadline);  // the Invocation keeps `request`
    if (res) co_return std::move(*res);
    last_error = HopError{res.error().kind, std::move(res.error().message)};
    if (res.error().kind != http::ClientError::connect_refused) co_return unexpected(std::move(last_error));
    if (ctx.forget_address) ctx.forget_address(app_id, *address);
  }
  co_return unexpected(std::move(last_error));
}

bool is_callee_sidecar_error(const http::Response& response) {
  return response.status >= 500 && response.headers.contains(kSidecarErrorHeader);
}

// One invocation's attempts share this: the forwarded request (the body and headers are copied
// once per send only), the pre-resolved first address, and the latest attempt's answer.
struct Invocation {
  SidecarContext& ctx;
  std::string app_id;
  http::Request request;
  Duration deadline;
  bool local = false;
  bool has_target = false;
  std::optional<std::string> preresolved;  // for the first attempt
  std::optional<http::Response> last;      // only the latest attempt's answer decides the outcome
};

boost::asio::awaitable<resiliency::OpResult> attempt(Invocation& inv) {
  SidecarContext& ctx = inv.ctx;
  inv.last.reset();
  auto start = std::chrono::steady_clock::now();
  ctx.metrics.invocation_req_sent_total.with({ctx.options.app_id, inv.app_id, "unary"}).inc();
  Expected<http::Response, HopError> res = unexpected(HopError{});
  if (inv.local) {
    auto r = co_await ctx.app.call(inv.request, inv.deadline);
    if (r)
      res = std::move(*r);
    else
      res = unexpected(HopError{r.error().kind, std::move(r.error().message)});
  } else {
    res = co_await send_to_callee(ctx, inv.app_id, inv.request, inv.deadline, std::exchange(inv.preresolved, std::nullopt));
  }
  if (!res) {
    auto& error = res.error();
    co_return error.transport ? hop_failure(inv.has_target, *error.transport, std::move(error.message))
                              : pre_send_failure(inv.has_target, std::move(error.message));
  }
  std::string status = std::to_string(res->status);
  ctx.metrics.invocation_res_recv_total.with({ctx.options.app_id, inv.app_id, status, "unary"}).inc();
  ctx.metrics.invocation_res_recv_latency_ms.with({ctx.options.app_id, inv.app_id, status, "unary"}).observe(whole_ms_since(start));
  auto verdict = answered(inv.has_target, res->status, res->headers.contains(kSidecarErrorHeader), res->body);
  inv.last = std::move(*res);
  co_return verdict;
}

// Whether the runner would try again after `result` (ignoring how many retries are left).
bool may_retry(const resiliency::PolicyDefinition& policy, const resiliency::OpResult& result) {
  using Kind = resiliency::OpResult::Kind;
  if (!policy.retry || policy.retry->max_retries == 0) return false;
  if (result.kind == Kind::code_error) return resiliency::status_matches(*policy.retry, result.status);
  return result.kind == Kind::error || result.kind == Kind::deadline_exceeded;
}

// The attempts under `policy`. Without a timeout or breaker the first attempt needs nothing from
// the runner, so it runs here directly and the runner (a frame, several type-erased callbacks and
// a post per request) is only started when a retry is due; it then sees the first attempt's
// result again at once, so its retry schedule and log lines are unchanged.
boost::asio::awaitable<resiliency::OpResult> run_attempts(std::shared_ptr<Invocation> inv,
                                                           const resiliency::PolicyDefinition& policy) {
  std::optional<resiliency::OpResult> first;
  const bool plain = !policy.breaker && !(policy.timeout && *policy.timeout > Duration::zero());
  if (plain) {
    first = co_await attempt(*inv);
    if (!may_retry(policy, *first)) co_return std::move(*first);
  }
  auto executor = co_await boost::asio::this_coro::executor;
  auto replay = std::make_shared<std::optional<resiliency::OpResult>>(std::move(first));
  resiliency::Operation op = [inv, replay, executor](const resiliency::AttemptContext&, resiliency::OpCompletion done) {
    if (*replay) {
      auto result = std::move(**replay);
      replay->reset();
      return done(std::move(result));
    }
    boost::asio::co_spawn(
        executor, [inv, done]() -> boost::asio::awaitable<void> { done(co_await attempt(*inv)); }, boost::asio::detached);
  };
  co_return co_await resiliency::run_async(inv->ctx.runner, policy, op);
}

// The callee sidecar's SERVER span for one invocation hop, as daprd records one. Nothing is done
// (no header parse, no ids, no clock reads) unless spans are exported: the hot path stays as it was.
struct CalleeHopSpan {
  std::optional<TraceContext> parent;
  TraceContext trace;
  SteadyTime start{};
  WallTime wall_start{};
  std::string verb;
  bool recorded = false;
};

// Starts the span and hands the app a traceparent naming it, so the app's own calls hang under it.
CalleeHopSpan begin_callee_hop_span(SidecarContext& ctx, http::Request& request) {
  CalleeHopSpan hop;
  if (!ctx.tracer.exporting()) return hop;
  if (auto tp = request.headers.get("traceparent")) hop.parent = parse_traceparent(*tp, request.headers.get_or("tracestate", ""));
  hop.trace = ctx.tracer.start(hop.parent);
  hop.recorded = ctx.tracer.records(hop.trace);
  if (!hop.recorded) return hop;
  request.headers.set("traceparent", hop.trace.traceparent());
  hop.start = std::chrono::steady_clock::now();
  hop.wall_start = std::chrono::system_clock::now();
  hop.verb = request.method;
  return hop;
}

void finish_callee_hop_span(SidecarContext& ctx, const CalleeHopSpan& hop, const std::string& caller,
                            const std::string& method, int status) {
  if (!hop.recorded) return;
  ctx.tracer.finish(Span{hop.trace, hop.parent ? hop.parent->span_id : "", "CallLocal/" + ctx.options.app_id + "/" + method,
                         "SERVER", hop.wall_start, std::chrono::steady_clock::now() - hop.start,
                         {{"http.method", hop.verb}, {"dapr.caller_app_id", caller}, {"http.status_code", std::to_string(status)}}});
}

}  // namespace

boost::asio::awaitable<http::Response> invoke_app(SidecarContext& ctx, std::string app_id, std::string method,
                                                  http::Request request, TraceContext trace) {
  auto dot = app_id.find('.');
  if (dot != std::string::npos) app_id.resize(dot);  // "app.namespace": one namespace locally
  auto inv = std::make_shared<Invocation>(Invocation{ctx, app_id, {}, {}, app_id == ctx.options.app_id,
                                                     ctx.resiliency.has_app_target(app_id), std::nullopt, std::nullopt});
  resiliency::PolicyDefinition policy;
  if (inv->has_target) {
    policy = ctx.resiliency.endpoint_policy(app_id, method);
  } else if (!inv->local) {
    // Dapr resolves the callee before its built-in retries start: an unknown app id fails at
    // once instead of after three retries (an apps target's policy does cover resolution).
    auto resolved = resolve(ctx, app_id);
    if (!resolved) co_return invoke_error(500, app_id, resolved.error().message);
    inv->preresolved = std::move(*resolved);
    policy.retry = builtin_service_retry(ctx.resiliency.builtin_retry(resiliency::BuiltInRetry::service));
    policy.target.operation = "endpoint[" + app_id + ", " + app_id + ":" + method + "]";
    policy.target.metric_target = "app_" + app_id;
  }
  inv->deadline = policy.timeout && *policy.timeout > Duration::zero() ? *policy.timeout : Duration(kDefaultInvokeDeadline);
  inv->request = forwarded_request(ctx, app_id, method, std::move(request), trace);

  auto outcome = co_await run_attempts(inv, policy);
  using Kind = resiliency::OpResult::Kind;
  auto& last = inv->last;
  const bool callee_sidecar_failed = last && is_callee_sidecar_error(*last);
  if ((outcome.kind == Kind::success || outcome.kind == Kind::code_error) && last && !callee_sidecar_failed) {
    http::Response response = std::move(*last);
    response.headers.remove(kSidecarErrorHeader);
    co_return response;
  }
  std::string message = outcome.message;
  if (callee_sidecar_failed) message = callee_error_cause(last->body, message);
  co_return invoke_error(500, app_id, message);
}

boost::asio::awaitable<http::Response> handle_internal_invoke(SidecarContext& ctx, http::Request request) {
  std::string caller(request.headers.get_or("dapr-caller-app-id", ""));
  std::string caller_ns(request.headers.get_or("dapr-caller-namespace", ""));
  std::string method = request.path.size() > 1 ? request.path.substr(1) : std::string();
  const std::string& self = ctx.options.app_id;
  ctx.metrics.invocation_req_recv_total.with({self, caller, "unary"}).inc();
  auto respond = [&](http::Response r) {
    ctx.metrics.invocation_res_sent_total.with({self, caller, std::to_string(r.status), "unary"}).inc();
    return r;
  };
  if (!access_allowed(ctx.configuration.access_control, caller, caller_ns, request.method, method)) {
    ctx.log.warn("access control policy has denied access to appid: " + caller + " operation: " + method + " verb: " + request.method);
    co_return respond(http::error_response(403, "ERR_DIRECT_INVOKE",
                                           "failed to invoke, id: " + self + ", err: access control policy has denied access to appid: " +
                                               caller + " operation: " + method + " verb: " + request.method));
  }
  if (!ctx.app.configured()) co_return respond(sidecar_error(500, self, "app channel is not initialized"));
  if (!ctx.app.healthy()) co_return respond(sidecar_error(500, self, "app is not in a healthy state"));
  std::string peer = request.remote_address.substr(0, request.remote_address.rfind(':'));
  request.headers.set("X-Forwarded-For", peer);
  request.headers.set("X-Forwarded-Host", std::string(request.headers.get_or("Host", "")));
  request.headers.set("Forwarded", "for=" + peer + ";by=" + ctx.options.app_channel_address);
  request.headers.remove(kSidecarErrorHeader);
  const CalleeHopSpan hop = begin_callee_hop_span(ctx, request);
  auto res = co_await ctx.app.call(std::move(request), kDefaultInvokeDeadline);
  http::Response answer = res ? std::move(*res) : sidecar_error(500, self, res.error().message);
  finish_callee_hop_span(ctx, hop, caller, method, answer.status);
  co_return respond(std::move(answer));
}

}  // namespace lf::sidecar
