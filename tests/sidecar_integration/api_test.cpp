// The HTTP API's guards and bookkeeping against a real sidecar: DAPR_API_TOKEN, the body limit,
// dapr_http_server_request_count, a broken component file stopping start-up, and the CPU
// scheduling policy of the process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "sidecar_integration/harness.hpp"

namespace lf::sidecar::testing {
namespace {

struct Fixture {
  TempDir dir{"lf-sidecar-api"};
  std::string resources = dir.sub("resources");

  SidecarConfig sidecar(const std::string& app_id) const {
    SidecarConfig c;
    c.app_id = app_id;
    c.registry_file = dir.path() + "/nameresolution.db";
    c.resources_paths = {resources};
    return c;
  }
};

TEST(SidecarApi, ApiTokenBodyLimitAndRequestCountMetric) {
  Fixture f;
  f.dir.write("resources/statestore.yaml",
              component_yaml("statestore", "state.sqlite", {{"connectionString", f.dir.path() + "/state.db"}}));
  auto config = f.sidecar("guarded");
  config.env = {{"DAPR_API_TOKEN", "s3cret"}};
  config.extra_args = {"--max-body-size", "1Ki"};
  Sidecar sidecar(config, f.dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();  // healthz answers without the token
  const std::vector<std::pair<std::string, std::string>> token = {{"dapr-api-token", "s3cret"}};

  auto healthz = sidecar.request("GET", "/v1.0/healthz");
  EXPECT_EQ(healthz.status, 204);
  EXPECT_EQ(sidecar.request("GET", "/v1.0/healthz/outbound").status, 204);

  auto denied = sidecar.request("GET", "/v1.0/metadata");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.body, "invalid api token");
  auto wrong = sidecar.request("GET", "/v1.0/metadata", "", {{"dapr-api-token", "nope"}});
  EXPECT_EQ(wrong.status, 401);
  auto denied_state = sidecar.request("GET", "/v1.0/state/statestore/k");
  EXPECT_EQ(denied_state.status, 401);

  EXPECT_EQ(sidecar.request("GET", "/v1.0/metadata", "", token).status, 200);
  EXPECT_EQ(sidecar.request("POST", "/v1.0/state/statestore", R"([{"key":"k","value":1}])", token).status, 204);
  EXPECT_EQ(sidecar.request("GET", "/v1.0/state/statestore/k", "", token).status, 200);

  // Over --max-body-size (1Ki): 413, also with the token.
  std::string big = "[{\"key\":\"big\",\"value\":\"" + std::string(2048, 'x') + "\"}]";
  auto too_large = sidecar.request("POST", "/v1.0/state/statestore", big, token);
  EXPECT_EQ(too_large.status, 413) << too_large.body;
  std::string fits = "[{\"key\":\"fits\",\"value\":\"" + std::string(900, 'x') + "\"}]";
  EXPECT_EQ(sidecar.request("POST", "/v1.0/state/statestore", fits, token).status, 204);

  auto metrics = sidecar.metrics();
  ASSERT_TRUE(has_metric(metrics, "dapr_http_server_request_count")) << metrics;
  auto count = [&](const std::string& method, const std::string& path, const std::string& status) {
    return metric_sum(metrics, "dapr_http_server_request_count",
                      {{"app_id", "guarded"}, {"method", method}, {"path", path}, {"status", status}});
  };
  EXPECT_EQ(count("GET", "/v1.0/metadata", "401"), 2);
  EXPECT_EQ(count("GET", "/v1.0/metadata", "200"), 1);
  EXPECT_EQ(count("GET", "/v1.0/state/statestore", "401"), 1);
  EXPECT_EQ(count("GET", "/v1.0/state/statestore", "200"), 1);
  EXPECT_EQ(count("POST", "/v1.0/state/statestore", "204"), 2);
  EXPECT_EQ(count("GET", "/v1.0/healthz/outbound", "204"), 1);
  EXPECT_GE(count("GET", "/v1.0/healthz", "204"), 2);  // the harness polls it while the sidecar starts
  // Every call through the API is counted once: nothing else was counted.
  double total = metric_sum(metrics, "dapr_http_server_request_count", {{"app_id", "guarded"}});
  EXPECT_EQ(total, 8 + count("GET", "/v1.0/healthz", "204"));
  // The metrics port needs no token.
  EXPECT_FALSE(metrics.empty());
}

// Writes raw bytes to 127.0.0.1:port and returns whatever comes back before the peer closes
// (or 2 s pass).
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(SidecarApi, MalformedRequestsGetA4xxWithAnErrorBodyAndTheSidecarStaysUp) {
  Fixture f;
  f.dir.write("resources/statestore.yaml",
              component_yaml("statestore", "state.sqlite", {{"connectionString", f.dir.path() + "/state.db"}}));
  Sidecar sidecar(f.sidecar("robust"), f.dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();
  struct Case {
    std::string method, path, body;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1.0/state/statestore", "not json", 400, "ERR_MALFORMED_REQUEST"},
      {"POST", "/v1.0/state/statestore", R"([{"value":1}])", 400, "ERR_MALFORMED_REQUEST"},
      {"POST", "/v1.0/state/statestore", R"([{"key":"a||b","value":1}])", 400, "ERR_MALFORMED_REQUEST"},
      {"POST", "/v1.0/state/statestore", R"([{"key":"k","value":1,"metadata":{"ttlInSeconds":"soon"}}])", 400,
       "ERR_MALFORMED_REQUEST"},
      {"POST", "/v1.0/state/statestore/bulk", R"({"keys":[1,2]})", 400, "ERR_MALFORMED_REQUEST"},
      {"POST", "/v1.0/state/statestore/transaction", R"({"operations":[{"operation":"merge"}]})", 400,
       "ERR_MALFORMED_REQUEST"},
      {"GET", "/v1.0/state/nostore/k", "", 400, "ERR_STATE_STORE_NOT_FOUND"},
      {"POST", "/v1.0/publish/pubsub/topic", "{}", 400, "ERR_PUBSUB_NOT_CONFIGURED"},
      {"GET", "/v1.0/nothing/here", "", 404, "ERR_DIRECT_INVOKE"},
  };
  for (const auto& c : cases) {
    auto r = sidecar.request(c.method, c.path, c.body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    EXPECT_EQ(error_code(r), c.code) << c.method << " " << c.path << " " << c.body << ": " << r.body;
  }
  // Bytes that are not HTTP, a header over the limit, a bad Content-Length.
  EXPECT_EQ(raw_exchange(sidecar.http_port(), "\x16\x03\x01garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(raw_exchange(sidecar.http_port(), "GET /v1.0/metadata HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
                                                  "\r\n\r\n")
                .rfind("HTTP/1.1 431", 0),
            0u);
  EXPECT_EQ(raw_exchange(sidecar.http_port(), "POST /v1.0/state/statestore HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
                .rfind("HTTP/1.1 400", 0),
            0u);
  EXPECT_TRUE(sidecar.running());
  EXPECT_EQ(sidecar.request("GET", "/v1.0/healthz").status, 204);
  EXPECT_EQ(sidecar.request("GET", "/v1.0/state/statestore/k").status, 204);
}

std::string unreachable_kafka(std::uint16_t closed_port, bool ignore_errors) {
  return R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.kafka
  version: v1
  initTimeout: 1s
  ignoreErrors: )" + std::string(ignore_errors ? "true" : "false") + R"(
  metadata:
  - name: brokers
    value: "127.0.0.1:)" + std::to_string(closed_port) + R"("
  - name: authType
    value: "none"
)";
}

TEST(SidecarApi, UnreachableBrokerStopsStartUpUnlessIgnoreErrors) {
  auto closed_port = process::ReservedPort::reserve();  // refused, and taken by nobody else meanwhile
  ASSERT_TRUE(closed_port);
  {
    Fixture f;
    f.dir.write("resources/pubsub.yaml", unreachable_kafka(static_cast<std::uint16_t>(closed_port->port()), false));
    Sidecar sidecar(f.sidecar("nobroker"), f.dir.path());
    ASSERT_TRUE(sidecar.start(/*wait_healthy=*/false));
    auto exit = sidecar.wait_exit(20s);
    ASSERT_TRUE(exit.has_value()) << sidecar.log();
    EXPECT_TRUE(exit->exited);
    EXPECT_NE(exit->code, 0);
    auto log = sidecar.log();
    EXPECT_NE(log.find("Failed to init component pubsub (pubsub.kafka/v1)"), std::string::npos) << log;
    EXPECT_NE(log.find("Fatal error from runtime: process component init error"), std::string::npos) << log;
  }
  Fixture f;
  f.dir.write("resources/pubsub.yaml", unreachable_kafka(static_cast<std::uint16_t>(closed_port->port()), true));
  Sidecar sidecar(f.sidecar("nobroker"), f.dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();
  EXPECT_NE(sidecar.log().find("ignoreErrors is set: continuing without it"), std::string::npos) << sidecar.log();
  auto r = sidecar.request("POST", "/v1.0/publish/pubsub/topic", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "ERR_PUBSUB_NOT_CONFIGURED");
  // Only initialized components are listed, as in Dapr.
  auto metadata = sidecar.request("GET", "/v1.0/metadata");
  EXPECT_EQ(metadata.body.find("\"pubsub.kafka\""), std::string::npos) << metadata.body;
  EXPECT_EQ(metric_sum(sidecar.metrics(), "dapr_runtime_component_init_fail_total",
                       {{"component", "pubsub.kafka"}, {"componentName", "pubsub"}, {"reason", "init"}}),
            1);
}

TEST(SidecarApi, BrokenComponentFileStopsStartUpWithFileAndLine) {
  Fixture f;
  f.dir.write("resources/ok.yaml", component_yaml("statestore", "state.sqlite", {{"connectionString", f.dir.path() + "/s.db"}}));
  // A component without spec.type (reported where spec begins, line 6 column 3).
  std::string broken_file = f.dir.write("resources/broken.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: store2
spec:
  version: v1
  metadata:
  - name: connectionString
    value: x.db
)");
  // And a YAML syntax error (an unclosed flow sequence, found at the end of the file).
  std::string unparsable_file = f.dir.write("resources/unparsable.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.kafka
  metadata:
  - name: brokers
    value: [unclosed
)");
  Sidecar sidecar(f.sidecar("broken"), f.dir.path());
  ASSERT_TRUE(sidecar.start(/*wait_healthy=*/false));
  auto exit = sidecar.wait_exit(20s);
  ASSERT_TRUE(exit.has_value()) << "the sidecar kept running with a broken component file; log:\n" << sidecar.log();
  EXPECT_TRUE(exit->exited);
  EXPECT_NE(exit->code, 0);
  auto log = sidecar.log();
  EXPECT_NE(log.find(broken_file + ":6:3: error: missing required field spec.type"), std::string::npos) << log;
  EXPECT_NE(log.find(unparsable_file + ":10:1: error: YAML syntax error"), std::string::npos) << log;
  EXPECT_NE(log.find("Fatal error from runtime: failed to load resources (2 errors)"), std::string::npos) << log;
  EXPECT_NE(log.find("level=error"), std::string::npos) << log;
  EXPECT_EQ(log.find("dapr initialized"), std::string::npos) << log;
}

// Every thread (I/O, workers, Kafka, name resolution) inherits the policy set before they start.
std::vector<int> thread_policies(pid_t pid) {
  std::vector<int> policies;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task"))
    policies.push_back(sched_getscheduler(std::stoi(entry.path().filename().string())));
  return policies;
}

TEST(SidecarApi, EveryThreadRunsUnderTheBatchPolicyUnlessToldNormal) {
  Fixture f;
  Sidecar batch(f.sidecar("batch-policy"), f.dir.path());
  ASSERT_TRUE(batch.start()) << batch.log();
  auto policies = thread_policies(batch.pid());
  ASSERT_GT(policies.size(), 1u);
  for (int policy : policies) EXPECT_EQ(policy, SCHED_BATCH);

  auto config = f.sidecar("normal-policy");
  config.extra_args = {"--cpu-scheduling", "normal"};
  Sidecar normal(config, f.dir.path());
  ASSERT_TRUE(normal.start()) << normal.log();
  for (int policy : thread_policies(normal.pid())) EXPECT_EQ(policy, SCHED_OTHER);
}

}  // namespace
}  // namespace lf::sidecar::testing
