// The HTTP API's guards and bookkeeping against a real sidecar: DAPR_API_TOKEN, the body limit,
// dapr_http_server_request_count, and a broken component file stopping start-up.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lf::sidecar::testing
