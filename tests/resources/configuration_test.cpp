#include "resources/configuration.hpp"

#include <gtest/gtest.h>

#include "resources/doc_helpers.hpp"

namespace lf::resources {
namespace {

using lf::testing::dump;
using lf::testing::load_doc;
using namespace std::chrono_literals;

std::optional<Configuration> parse(std::string_view text, Diagnostics& diags) {
  return parse_configuration(load_doc(text, diags), diags);
}

TEST(ConfigurationTest, EmptySpecKeepsDaprDefaults) {
  Diagnostics diags;
  auto c = parse("apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: c}\n", diags);
  ASSERT_TRUE(c);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_DOUBLE_EQ(c->tracing.sampling_rate, 0.0001);
  EXPECT_TRUE(c->metrics.enabled);
  EXPECT_TRUE(c->metrics.http_increased_cardinality);
  EXPECT_FALSE(c->access_control);
  EXPECT_EQ(c->name_resolution.component, "mdns");
}

TEST(ConfigurationTest, ParsesEverySection) {
  Diagnostics diags;
  auto c = parse(R"(apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: learnflow-config
spec:
  tracing:
    samplingRate: "0.5"
    stdout: true
    zipkin:
      endpointAddress: "http://zipkin:9411/api/v2/spans"
    otel:
      endpointAddress: "otel:4317"
      protocol: http
      isSecure: false
      headers: "a=1,b=2"
      timeout: 3s
  metrics:
    enabled: true
    latencyDistributionBuckets: [1, 5, 10]
    recordErrorCodes: true
    rules:
    - name: dapr_http_server_request_count
      labels:
      - name: path
        regex:
          "orders/": "orders/.+"
    http:
      increasedCardinality: false
      pathMatching: ["/orders/{id}"]
      excludeVerbs: true
  accessControl:
    defaultAction: deny
    trustDomain: learnflow
    policies:
    - appId: learnflow-frontend
      defaultAction: allow
      trustDomain: public
      namespace: default
      operations:
      - name: /lessons/*
        httpVerb: [GET, POST]
        action: deny
  httpPipeline:
    handlers:
    - name: limiter
      type: middleware.http.ratelimit
  nameResolution:
    component: sqlite
    version: v1
    configuration:
      connectionString: "nr.db"
      updateInterval: 10s
      timeout: 2
      tableName: peers
  features:
  - name: HotReload
    enabled: true
  secrets:
    scopes:
    - storeName: kubernetes
      defaultAccess: deny
      allowedSecrets: [a]
)", diags);
  ASSERT_TRUE(c);
  EXPECT_FALSE(diags.has_errors()) << dump(diags);
  EXPECT_DOUBLE_EQ(c->tracing.sampling_rate, 0.5);
  EXPECT_TRUE(c->tracing.stdout_exporter);
  ASSERT_TRUE(c->tracing.zipkin);
  EXPECT_EQ(c->tracing.zipkin->endpoint_address, "http://zipkin:9411/api/v2/spans");
  ASSERT_TRUE(c->tracing.otel);
  EXPECT_EQ(c->tracing.otel->protocol, "http");
  EXPECT_FALSE(c->tracing.otel->is_secure);
  EXPECT_EQ(c->tracing.otel->headers, (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(c->tracing.otel->timeout, 3s);
  EXPECT_EQ(c->metrics.latency_buckets_ms, (std::vector<long long>{1, 5, 10}));
  EXPECT_TRUE(c->metrics.record_error_codes);
  ASSERT_EQ(c->metrics.rules.size(), 1u);
  EXPECT_EQ(c->metrics.rules[0].labels[0].regex.at("orders/"), "orders/.+");
  EXPECT_FALSE(c->metrics.http_increased_cardinality);
  EXPECT_TRUE(c->metrics.http_exclude_verbs);
  ASSERT_TRUE(c->access_control);
  EXPECT_EQ(c->access_control->default_action, "deny");
  EXPECT_EQ(c->access_control->trust_domain, "learnflow");
  ASSERT_EQ(c->access_control->policies.size(), 1u);
  EXPECT_EQ(c->access_control->policies[0].default_action, "allow");
  EXPECT_EQ(c->access_control->policies[0].operations[0].action, "deny");
  EXPECT_EQ(c->access_control->policies[0].operations[0].http_verbs.size(), 2u);
  ASSERT_EQ(c->http_pipeline.size(), 1u);
  EXPECT_EQ(c->name_resolution.component, "sqlite");
  ASSERT_TRUE(c->name_resolution.sqlite);
  EXPECT_EQ(c->name_resolution.sqlite->connection_string, "nr.db");
  EXPECT_EQ(c->name_resolution.sqlite->update_interval, 10s);
  EXPECT_EQ(c->name_resolution.sqlite->timeout, 2s);  // bare integers are seconds
  EXPECT_EQ(c->name_resolution.sqlite->table_name, "peers");
  EXPECT_EQ(c->name_resolution.configuration.at("tableName"), "peers");
  EXPECT_TRUE(c->feature_enabled("HotReload"));
  ASSERT_EQ(c->secret_scopes.size(), 1u);
  EXPECT_EQ(c->secret_scopes[0].default_access, "deny");
}

TEST(ConfigurationTest, ReportsTheReceivedMistakesAtTheirLines) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: dapr-config
spec:
  tracing:
    samplingRate: "2"
    zipkin:
      endpointAddress: "http://zipkin:9411/api/v1/spans"
  metric:
    enabled: true
    serviceInvocationAggregation:
      enabled: true
  features:
    - name: AppHealthCheck
      enabled: true
  secrets:
    scopes:
    - storeName: "kubernetes"
      defaultAccess: "restricted"
)", diags);
  EXPECT_DIAG(diags, "samplingRate must be a number from 0 to 1", Severity::error, 7);
  EXPECT_DIAG(diags, "/api/v1/spans", Severity::warning, 9);
  EXPECT_DIAG(diags, "serviceInvocationAggregation is not a known field", Severity::warning, 12);
  EXPECT_DIAG(diags, "AppHealthCheck was removed in Dapr 1.11", Severity::warning, 15);
  EXPECT_DIAG(diags, "defaultAccess \"restricted\" is invalid", Severity::error, 20);
}

TEST(ConfigurationTest, UnquotedSamplingRateIsAWarning) {
  Diagnostics diags;
  auto c = parse("kind: Configuration\nmetadata: {name: c}\nspec:\n  tracing:\n    samplingRate: 1\n", diags);
  ASSERT_TRUE(c);
  EXPECT_DIAG(diags, "samplingRate is a string field", Severity::warning, 5);
  EXPECT_DOUBLE_EQ(c->tracing.sampling_rate, 1.0);
}

TEST(ConfigurationTest, ExporterWithoutSamplingRateWarns) {
  Diagnostics diags;
  parse("kind: Configuration\nmetadata: {name: c}\nspec:\n  tracing:\n    zipkin:\n      endpointAddress: "
        "http://z:9411/api/v2/spans\n",
        diags);
  EXPECT_DIAG(diags, "samples 1 request in 10,000", Severity::warning, 4);
}

TEST(ConfigurationTest, AccessControlDefaults) {
  Diagnostics diags;
  auto deny = parse("kind: Configuration\nmetadata: {name: c}\nspec:\n  accessControl:\n    trustDomain: x\n", diags);
  ASSERT_TRUE(deny && deny->access_control);
  EXPECT_EQ(deny->access_control->default_action, "deny");  // block without defaultAction denies
  auto allow = parse("kind: Configuration\nmetadata: {name: c}\nspec:\n  accessControl:\n    policies: []\n", diags);
  ASSERT_TRUE(allow && allow->access_control);
  EXPECT_EQ(allow->access_control->default_action, "allow");
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);

  Diagnostics bad;
  parse(R"(kind: Configuration
metadata: {name: c}
spec:
  accessControl:
    defaultAction: maybe
    policies:
    - appId: a
)", bad);
  EXPECT_DIAG(bad, "defaultAction must be allow or deny", Severity::error, 5);
  EXPECT_DIAG(bad, "spec.accessControl.policies[0].trustDomain", Severity::error, 7);
  EXPECT_DIAG(bad, "spec.accessControl.policies[0].namespace", Severity::error, 7);
}

TEST(ConfigurationTest, UnknownPipelineHandlersAreSkippedByDapr) {
  Diagnostics diags;
  parse(R"(kind: Configuration
metadata: {name: c}
spec:
  httpPipeline:
    handlers:
    - name: retry
      type: middleware.http.resiliency
)", diags);
  EXPECT_DIAG(diags, "Dapr skips it silently", Severity::warning, 7);
  EXPECT_NE(lf::testing::find_diag(diags, "skips it")->hint.find("kind: Resiliency"), std::string::npos);
}

TEST(ConfigurationTest, SqliteNameResolutionIsValidated) {
  Diagnostics diags;
  parse(R"(kind: Configuration
metadata: {name: c}
spec:
  nameResolution:
    component: sqlite
    configuration:
      updateInterval: 5s
)", diags);
  EXPECT_DIAG(diags, "requires spec.nameResolution.configuration.connectionString", Severity::error, 7);

  Diagnostics timing;
  parse(R"(kind: Configuration
metadata: {name: c}
spec:
  nameResolution:
    component: sqlite
    configuration:
      connectionString: nr.db
      updateInterval: 2s
      timeout: 2s
      cache: yes
)", timing);
  EXPECT_DIAG(timing, "updateInterval must be at least 1s longer than timeout", Severity::error, 8);
  EXPECT_DIAG(timing, "cache is not a known field", Severity::warning, 10);

  Diagnostics other;
  parse("kind: Configuration\nmetadata: {name: c}\nspec:\n  nameResolution:\n    component: mdns\n", other);
  EXPECT_DIAG(other, "not supported by the LearnFlow sidecar", Severity::warning, 5);
}

TEST(ConfigurationTest, OtelProtocolAndMetricsOverride) {
  Diagnostics diags;
  auto c = parse(R"(kind: Configuration
metadata: {name: c}
spec:
  tracing:
    otel:
      endpointAddress: "x:4317"
      protocol: udp
  metric:
    enabled: true
  metrics:
    enabled: false
)", diags);
  EXPECT_DIAG(diags, "protocol must be grpc or http", Severity::error, 7);
  EXPECT_DIAG(diags, "spec.metric is ignored because spec.metrics is also set", Severity::warning, 8);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->metrics.enabled);
}

}  // namespace
}  // namespace lf::resources
