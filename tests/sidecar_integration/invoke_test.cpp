// Service invocation across real sidecars: round robin over two instances of one app id, failover
// when one instance is killed, and an apps-target circuit breaker through its whole cycle.
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <thread>

#include "sidecar_integration/harness.hpp"

namespace lf::sidecar::testing {
namespace {

// A name-resolution registry and a Configuration pointing at it, private to one test.
struct Cluster {
  TempDir dir{"lf-sidecar-invoke"};
  std::string registry = dir.path() + "/nameresolution.db";
  std::string config = dir.write("config.yaml", configuration_yaml(registry));

  SidecarConfig sidecar(const std::string& app_id, std::uint16_t app_port, std::vector<std::string> resources = {}) const {
    SidecarConfig c;
    c.app_id = app_id;
    c.app_port = app_port;
    c.config_file = config;
    c.resources_paths = std::move(resources);
    return c;
  }
};

Reply ok_with(const std::string& body) { return Reply{200, body}; }

TEST(SidecarInvoke, RoundRobinOverTwoInstancesThenFailoverWhenOneIsKilled) {
  Cluster cluster;
  TestApp first([](const http::Request&) { return ok_with("\"first\""); });
  TestApp second([](const http::Request&) { return ok_with("\"second\""); });
  Sidecar callee_one(cluster.sidecar("target", first.port()), cluster.dir.path());
  Sidecar callee_two(cluster.sidecar("target", second.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(callee_one.start()) << callee_one.log();
  ASSERT_TRUE(callee_two.start()) << callee_two.log();
  ASSERT_TRUE(caller.start()) << caller.log();

  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    auto r = caller.request("GET", "/v1.0/invoke/target/method/work?n=" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(first.count("/work"), kCalls / 2u);
  EXPECT_EQ(second.count("/work"), kCalls / 2u);
  // The callee app sees Dapr's headers.
  auto seen = first.requests_to("/work");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].headers.get_or("dapr-caller-app-id", ""), "caller");
  EXPECT_EQ(seen[0].headers.get_or("dapr-callee-app-id", ""), "target");
  EXPECT_EQ(seen[0].query.rfind("n=", 0), 0u) << seen[0].query;
  // The caller's W3C trace continues into the callee app (same trace id, a new parent span).
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto traced = caller.request("GET", "/v1.0/invoke/target/method/traced", "",
                               {{"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}});
  ASSERT_EQ(traced.status, 200);
  auto traced_seen = first.count("/traced") ? first.requests_to("/traced") : second.requests_to("/traced");
  ASSERT_EQ(traced_seen.size(), 1u);
  std::string traceparent(traced_seen[0].headers.get_or("traceparent", ""));
  EXPECT_EQ(traceparent.substr(0, 35), "00-" + trace_id);
  EXPECT_EQ(traceparent.find("00f067aa0ba902b7"), std::string::npos) << traceparent;
  first.clear();
  second.clear();

  // SIGKILL one instance and its app: every further idempotent call still succeeds, on the other.
  callee_one.kill();
  first.kill();
  first.clear();
  second.clear();
  for (int i = 0; i < kCalls; ++i) {
    auto r = caller.request("GET", "/v1.0/invoke/target/method/work");
    ASSERT_EQ(r.status, 200) << "call " << i << ": " << r.body;
    EXPECT_EQ(r.body, "\"second\"");
  }
  EXPECT_EQ(second.count("/work"), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(first.count("/work"), 0u);
}

TEST(SidecarInvoke, ANewInstanceIsUsedWithoutRestartingTheCaller) {
  Cluster cluster;
  TestApp first([](const http::Request&) { return ok_with("1"); });
  TestApp second([](const http::Request&) { return ok_with("2"); });
  Sidecar callee_one(cluster.sidecar("target", first.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(callee_one.start()) << callee_one.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(caller.request("GET", "/v1.0/invoke/target/method/work").body, "1");

  Sidecar callee_two(cluster.sidecar("target", second.port()), cluster.dir.path());
  ASSERT_TRUE(callee_two.start()) << callee_two.log();
  // The caller's lookup cache lives 1s; then the new instance takes its share.
  ASSERT_TRUE(wait_until([&] {
    auto r = caller.request("GET", "/v1.0/invoke/target/method/work");
    EXPECT_EQ(r.status, 200);
    return second.count("/work") > 0;
  }, 5s));
  first.clear();
  second.clear();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(caller.request("GET", "/v1.0/invoke/target/method/work").status, 200);
  EXPECT_EQ(first.count("/work"), 5u);
  EXPECT_EQ(second.count("/work"), 5u);
}

TEST(SidecarInvoke, SigtermLetsAnInFlightCallFinishAndExitsZero) {
  Cluster cluster;
  TestApp app([](const http::Request&) { return Reply{200, "\"slow\"", "application/json", 700ms}; });
  Sidecar callee(cluster.sidecar("target", app.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  auto in_flight = std::async(std::launch::async, [&] { return caller.request("GET", "/v1.0/invoke/target/method/slow"); });
  ASSERT_TRUE(wait_until([&] { return app.count("/slow") == 1; }, 5s));
  caller.signal(SIGTERM);
  auto r = in_flight.get();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "\"slow\"");
  auto exit = caller.wait_exit(10s);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->success()) << exit->describe();
  EXPECT_NE(caller.log().find("Shutdown complete"), std::string::npos) << caller.log();
  EXPECT_EQ(caller.request("GET", "/v1.0/healthz").status, -1);  // nothing listens any more
}

TEST(SidecarInvoke, HeaderFormPassesVerbPathQueryHeadersAndBodyBothWays) {
  Cluster cluster;
  TestApp app([](const http::Request&) {
    Reply reply{201, "created", "text/plain"};
    reply.headers = {{"X-Reply", "r1"}};
    return reply;
  });
  Sidecar callee(cluster.sidecar("target", app.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  auto r = caller.request("PATCH", "/items/7?x=1&y=%20z", "payload", {{"dapr-app-id", "target"}, {"X-Custom", "v"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "created");
  EXPECT_EQ(r.headers.get_or("X-Reply", ""), "r1");
  EXPECT_EQ(r.headers.get_or("Content-Type", ""), "text/plain");
  auto seen = app.requests_to("/items/7");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[0].query, "x=1&y=%20z");
  EXPECT_EQ(seen[0].body, "payload");
  EXPECT_EQ(seen[0].headers.get_or("X-Custom", ""), "v");
  EXPECT_FALSE(seen[0].headers.contains("dapr-app-id"));
  // The app's own 404 comes back as it is (not a sidecar error).
  app.set_script([](const http::Request&) { return Reply{404, "{\"missing\":true}"}; });
  auto missing = caller.request("DELETE", "/v1.0/invoke/target/method/items/8");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "{\"missing\":true}");
  EXPECT_EQ(app.count("/items/8"), 1u);
}

TEST(SidecarInvoke, ConcurrentCallsWithLargeBodiesAllArriveIntact) {
  Cluster cluster;
  auto echo = [](const http::Request& r) { return Reply{200, r.body, "application/octet-stream"}; };
  TestApp first(echo), second(echo);
  Sidecar callee_one(cluster.sidecar("target", first.port()), cluster.dir.path());
  Sidecar callee_two(cluster.sidecar("target", second.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(callee_one.start()) << callee_one.log();
  ASSERT_TRUE(callee_two.start()) << callee_two.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  constexpr int kThreads = 8, kCallsEach = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        std::string body(64 * 1024, static_cast<char>('a' + (t + i) % 26));
        body += std::to_string(t) + "/" + std::to_string(i);
        auto r = caller.request("POST", "/v1.0/invoke/target/method/echo", body);
        if (r.status == 200 && r.body == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kCallsEach);
  EXPECT_EQ(first.count("/echo") + second.count("/echo"), static_cast<std::size_t>(kThreads * kCallsEach));
  EXPECT_EQ(first.count("/echo"), static_cast<std::size_t>(kThreads * kCallsEach / 2));
}

TEST(SidecarInvoke, UnknownAppIdFailsAtOnceWithDaprsError) {
  Cluster cluster;
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(caller.start()) << caller.log();
  auto started = std::chrono::steady_clock::now();
  auto r = caller.request("GET", "/v1.0/invoke/nobody/method/x");
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(error_code(r), "ERR_DIRECT_INVOKE");
  EXPECT_EQ(error_message(r), "failed to invoke, id: nobody, err: couldn't find service: nobody");
  // Not retried by the built-in service retries (1s each): resolution happens before them.
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(caller.log().find("Retrying in"), std::string::npos);
}

TEST(SidecarInvoke, WithoutAppsTargetTheCalleeSidecarsOwnErrorIsNotRetried) {
  Cluster cluster;
  // No app behind the callee: its sidecar answers the error itself. DaprBuiltInServiceRetries
  // retry only Unavailable hops, so the error comes back after one call, not after 3 s.
  Sidecar callee(cluster.sidecar("target", 0), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  auto started = std::chrono::steady_clock::now();
  auto r = caller.request("GET", "/v1.0/invoke/target/method/work");
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(error_message(r), "failed to invoke, id: target, err: app channel is not initialized");
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(caller.log().find("Retrying in"), std::string::npos) << caller.log();
  EXPECT_EQ(metric_sum(callee.metrics(), "dapr_runtime_service_invocation_req_recv_total", {}), 1);
}

TEST(SidecarInvoke, UnhealthyCalleeAppIsNotCalledUntilItRecovers) {
  Cluster cluster;
  std::string resources = cluster.dir.sub("resources");
  // An apps target with only a timeout: no retries, so the callee's refusal comes back at once.
  cluster.dir.write("resources/resiliency.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: health
spec:
  policies:
    timeouts:
      general: 5s
  targets:
    apps:
      target:
        timeout: general
)");
  std::atomic<bool> healthy{true};
  TestApp app([&](const http::Request& r) {
    if (r.path == "/healthz") return healthy ? Reply{204, ""} : Reply{503, ""};
    return ok_with("\"done\"");
  });
  auto callee_config = cluster.sidecar("target", app.port());
  callee_config.env = {{"APP_API_TOKEN", "app-secret"}};
  callee_config.extra_args = {"--enable-app-health-check", "true", "--app-health-check-path", "/healthz",
                              "--app-health-probe-interval", "1", "--app-health-threshold", "1"};
  Sidecar callee(callee_config, cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0, {resources}), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  EXPECT_EQ(caller.request("GET", "/v1.0/invoke/target/method/work").status, 200);

  healthy = false;
  ASSERT_TRUE(wait_until([&] { return callee.log().find("App entered un-healthy status") != std::string::npos; }, 5s))
      << callee.log();
  auto refused = caller.request("GET", "/v1.0/invoke/target/method/work");
  EXPECT_EQ(refused.status, 500);
  EXPECT_EQ(error_code(refused), "ERR_DIRECT_INVOKE");
  EXPECT_EQ(error_message(refused), "failed to invoke, id: target, err: app is not in a healthy state");
  EXPECT_EQ(app.count("/work"), 1u);

  healthy = true;
  ASSERT_TRUE(wait_until([&] { return callee.log().find("App entered healthy status") != std::string::npos; }, 5s))
      << callee.log();
  EXPECT_EQ(caller.request("GET", "/v1.0/invoke/target/method/work").status, 200);
  EXPECT_EQ(app.count("/work"), 2u);
  // APP_API_TOKEN goes with every call to the app except the health probes.
  for (const auto& r : app.requests_to("/work")) EXPECT_EQ(r.headers.get_or("dapr-api-token", ""), "app-secret");
  for (const auto& r : app.requests_to("/healthz")) EXPECT_FALSE(r.headers.contains("dapr-api-token"));
}

TEST(SidecarInvoke, AppsTargetRetriesOnlyMatchingStatusCodes) {
  Cluster cluster;
  std::string resources = cluster.dir.sub("resources");
  cluster.dir.write("resources/resiliency.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: retries
spec:
  policies:
    retries:
      unavailable:
        policy: constant
        duration: 200ms
        maxRetries: 2
        matching:
          httpStatusCodes: "503"
  targets:
    apps:
      target:
        retry: unavailable
)");
  std::atomic<int> flaky_calls{0};
  TestApp app([&](const http::Request& r) {
    if (r.path == "/flaky") return ++flaky_calls <= 2 ? Reply{503, "{\"busy\":true}"} : ok_with("\"fine\"");
    return Reply{500, "{\"broken\":true}"};
  });
  Sidecar callee(cluster.sidecar("target", app.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0, {resources}), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();

  // 503 matches: retried every 200 ms until the app answers 200.
  auto started = std::chrono::steady_clock::now();
  auto r = caller.request("POST", "/v1.0/invoke/target/method/flaky", "{}");
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "\"fine\"");
  EXPECT_EQ(app.count("/flaky"), 3u);
  EXPECT_GE(took, 400ms);
  // Every attempt carries the same body.
  for (const auto& request : app.requests_to("/flaky")) EXPECT_EQ(request.body, "{}");
  // 500 does not match: the app's answer comes back after one call.
  auto broken = caller.request("POST", "/v1.0/invoke/target/method/broken", "{}");
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(broken.body, "{\"broken\":true}");
  EXPECT_EQ(app.count("/broken"), 1u);
  auto metrics = caller.metrics();
  EXPECT_EQ(metric_sum(metrics, "dapr_resiliency_activations_total", {{"policy", "retry"}, {"target", "app_target"}}), 1);
  EXPECT_NE(caller.log().find("Error processing operation endpoint[target, target:flaky]. Retrying in 200ms\u2026"),
            std::string::npos);
}

TEST(SidecarInvoke, CalleeAccessControlAllowsAndDeniesByCallerAndOperation) {
  Cluster cluster;
  std::string callee_config_file = cluster.dir.write("callee-config.yaml", configuration_yaml(cluster.registry, R"(  accessControl:
    defaultAction: deny
    trustDomain: public
    policies:
    - appId: caller
      defaultAction: deny
      trustDomain: public
      namespace: default
      operations:
      - name: /allowed/*
        httpVerb: ["GET"]
        action: allow
)"));
  TestApp app([](const http::Request&) { return ok_with("\"ok\""); });
  auto callee_config = cluster.sidecar("target", app.port());
  callee_config.config_file = callee_config_file;
  Sidecar callee(callee_config, cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0), cluster.dir.path());
  Sidecar intruder(cluster.sidecar("intruder", 0), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();
  ASSERT_TRUE(intruder.start()) << intruder.log();

  EXPECT_EQ(caller.request("GET", "/v1.0/invoke/target/method/allowed/one").status, 200);
  auto wrong_verb = caller.request("POST", "/v1.0/invoke/target/method/allowed/one", "{}");
  EXPECT_EQ(wrong_verb.status, 403);
  EXPECT_EQ(error_code(wrong_verb), "ERR_DIRECT_INVOKE");
  auto other_operation = caller.request("GET", "/v1.0/invoke/target/method/secret");
  EXPECT_EQ(other_operation.status, 403);
  EXPECT_NE(error_message(other_operation).find("access control policy has denied access to appid: caller operation: secret verb: GET"),
            std::string::npos)
      << other_operation.body;
  auto stranger = intruder.request("GET", "/v1.0/invoke/target/method/allowed/one");
  EXPECT_EQ(stranger.status, 403) << stranger.body;
  EXPECT_EQ(app.count("/allowed/one"), 1u);
  EXPECT_EQ(app.count("/secret"), 0u);
}

TEST(SidecarInvoke, BreakerOpensRejectsAtOnceHalfOpensAndCloses) {
  Cluster cluster;
  std::string resources = cluster.dir.sub("resources");
  cluster.dir.write("resources/resiliency.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: invoke-resiliency
spec:
  policies:
    circuitBreakers:
      appBreaker:
        maxRequests: 2
        timeout: 1s
        trip: consecutiveFailures > 2
  targets:
    apps:
      target:
        circuitBreaker: appBreaker
)");
  std::atomic<bool> failing{true};
  TestApp app([&](const http::Request&) { return failing ? Reply{500, "{\"oops\":1}"} : ok_with("{\"ok\":1}"); });
  Sidecar callee(cluster.sidecar("target", app.port()), cluster.dir.path());
  Sidecar caller(cluster.sidecar("caller", 0, {resources}), cluster.dir.path());
  ASSERT_TRUE(callee.start()) << callee.log();
  ASSERT_TRUE(caller.start()) << caller.log();

  // Three failures: the app's own answer comes back each time; the third trips the breaker.
  for (int i = 0; i < 3; ++i) {
    auto r = caller.request("POST", "/v1.0/invoke/target/method/op", "{}");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, "{\"oops\":1}");
  }
  EXPECT_EQ(app.count("/op"), 3u);

  // Open: rejected at once, without calling the app.
  failing = false;
  for (int i = 0; i < 3; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto r = caller.request("POST", "/v1.0/invoke/target/method/op", "{}");
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(error_code(r), "ERR_DIRECT_INVOKE");
    EXPECT_EQ(error_message(r), "failed to invoke, id: target, err: circuit breaker is open");
    EXPECT_LT(took, 200ms);
  }
  EXPECT_EQ(app.count("/op"), 3u);
  // The gauge has one series set per target app (as Dapr's): the last lookup's state is current.
  auto open_metrics = caller.metrics();
  EXPECT_EQ(metric_sum(open_metrics, "dapr_resiliency_cb_state",
                       {{"policy", "circuitbreaker"}, {"target", "app_target"}, {"status", "open"}}),
            1);
  // Breakers are per target app and method: another method still reaches the app.
  EXPECT_EQ(caller.request("POST", "/v1.0/invoke/target/method/other", "{}").status, 200);
  EXPECT_EQ(app.count("/other"), 1u);
  // logfmt escapes the quotes around the breaker's name.
  EXPECT_TRUE(wait_until([&] {
    return caller.log().find("Circuit breaker \\\"target:op\\\" changed state from closed to open") != std::string::npos;
  }, 2s)) << caller.log();

  // After the 1s timeout: half-open admits calls to the app; maxRequests (2) successes close it.
  std::this_thread::sleep_for(1100ms);
  for (int i = 0; i < 2; ++i) {
    auto r = caller.request("POST", "/v1.0/invoke/target/method/op", "{}");
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(app.count("/op"), 5u);
  auto log = caller.log();
  EXPECT_NE(log.find("changed state from open to half-open"), std::string::npos) << log;
  EXPECT_NE(log.find("changed state from half-open to closed"), std::string::npos) << log;

  // Closed again: a failure is the app's answer, not a rejection.
  failing = true;
  auto r = caller.request("POST", "/v1.0/invoke/target/method/op", "{}");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "{\"oops\":1}");
  EXPECT_EQ(app.count("/op"), 6u);
  auto metrics = caller.metrics();
  EXPECT_EQ(metric_sum(metrics, "dapr_resiliency_activations_total",
                       {{"policy", "circuitbreaker"}, {"target", "app_target"}, {"status", "open"}}),
            1);
  EXPECT_EQ(metric_sum(metrics, "dapr_resiliency_activations_total",
                       {{"policy", "circuitbreaker"}, {"target", "app_target"}, {"status", "closed"}}),
            1);
}

}  // namespace
}  // namespace lf::sidecar::testing
