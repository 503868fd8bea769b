#include "resources/component.hpp"

#include <gtest/gtest.h>

#include "resources/doc_helpers.hpp"

namespace lf::resources {
namespace {

using lf::testing::dump;
using lf::testing::load_doc;

std::optional<Component> parse(std::string_view text, Diagnostics& diags) {
  return parse_component(load_doc(text, diags), diags);
}

TEST(ComponentTest, ParsesKafkaComponentIntoValueMap) {
  Diagnostics diags;
  auto c = parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.kafka
  version: v1
  initTimeout: 10s
  ignoreErrors: true
  metadata:
  - name: brokers
    value: "localhost:9092"
  - name: authType
    value: "none"
  - name: saslPassword
    secretKeyRef:
      name: kafka-secret
      key: password
scopes:
- course-agent
)", diags);
  ASSERT_TRUE(c) << dump(diags);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(c->metadata.name, "pubsub");
  EXPECT_EQ(c->type, "pubsub.kafka");
  EXPECT_EQ(c->version, "v1");
  EXPECT_TRUE(c->ignore_errors);
  EXPECT_EQ(c->init_timeout, std::chrono::seconds(10));
  auto values = c->metadata_map();
  EXPECT_EQ(values.size(), 2u);  // the secret reference is not a plain value
  EXPECT_EQ(values["brokers"], "localhost:9092");
  EXPECT_EQ(c->get("BROKERS"), "localhost:9092");  // case-insensitive like Dapr's decoder
  ASSERT_NE(c->entry("saslPassword"), nullptr);
  ASSERT_TRUE(c->entry("saslPassword")->secret_key_ref);
  EXPECT_EQ(c->entry("saslPassword")->secret_key_ref->name, "kafka-secret");
  EXPECT_EQ(c->entry("saslPassword")->secret_key_ref->key, "password");
  EXPECT_TRUE(c->in_scope("course-agent"));
  EXPECT_FALSE(c->in_scope("user-progress"));
}

TEST(ComponentTest, DefaultsWhenOptionalFieldsAreAbsent) {
  Diagnostics diags;
  auto c = parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: statestore}
spec:
  type: state.sqlite
  version: v1
  metadata:
  - {name: connectionString, value: "data.db"}
)", diags);
  ASSERT_TRUE(c);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_FALSE(c->ignore_errors);
  EXPECT_EQ(c->init_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(c->in_scope("anyone"));
}

TEST(ComponentTest, ClassifiesComponentTypes) {
  EXPECT_EQ(classify_component_type("pubsub.kafka"), ComponentTypeStatus::supported);
  EXPECT_EQ(classify_component_type("state.sqlite"), ComponentTypeStatus::supported);
  EXPECT_EQ(classify_component_type("state.postgresql"), ComponentTypeStatus::supported);
  EXPECT_EQ(classify_component_type("state.redis"), ComponentTypeStatus::real_unsupported);
  EXPECT_EQ(classify_component_type("middleware.http.ratelimit"), ComponentTypeStatus::real_unsupported);
  EXPECT_EQ(classify_component_type("middleware.http.resiliency"), ComponentTypeStatus::unregistered_middleware);
  EXPECT_EQ(classify_component_type("middleware.http.outboundRetry"), ComponentTypeStatus::unregistered_middleware);
  EXPECT_EQ(classify_component_type("exporters.zipkin"), ComponentTypeStatus::unknown_category);
  EXPECT_EQ(classify_component_type("nameresolution.sqlite"), ComponentTypeStatus::name_resolution);
  EXPECT_EQ(classify_component_type("state."), ComponentTypeStatus::unknown_category);
  EXPECT_EQ(classify_component_type(""), ComponentTypeStatus::unknown_category);
}

TEST(ComponentTest, ExporterTypeIsAnErrorPointingToConfigurationTracing) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: zipkin
spec:
  type: exporters.zipkin
  version: v1
)", diags);
  EXPECT_DIAG(diags, "incorrect type exporters.zipkin", Severity::error, 6);
  EXPECT_NE(lf::testing::find_diag(diags, "spec.tracing.zipkin")->hint.find("kind: Configuration"), std::string::npos);
}

TEST(ComponentTest, ResilienceMiddlewareIsAnErrorThatSaysToUseKindResiliency) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: retry
spec:
  type: middleware.http.outboundRetry
  version: v1
  metadata:
  - name: maxRetries
    value: "5"
)", diags);
  EXPECT_DIAG(diags, "HTTP middleware middleware.http.outboundRetry/v1 has not been registered", Severity::error, 6);
  const auto* d = lf::testing::find_diag(diags, "has not been registered");
  EXPECT_NE(d->hint.find("kind: Resiliency"), std::string::npos) << d->str();
  EXPECT_NE(d->hint.find("dapr.io/v1alpha1"), std::string::npos) << d->str();
  // The suggestion carries the values the component was given.
  EXPECT_NE(d->hint.find("retries.retry {policy: constant, duration: 2s, maxRetries: 5}"), std::string::npos)
      << d->str();
}

TEST(ComponentTest, IgnoreErrorsChangesTheConsequenceText) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: x}
spec:
  type: bogus.thing
  version: v1
  ignoreErrors: true
)", diags);
  EXPECT_DIAG(diags, "spec.ignoreErrors is set", Severity::error, 5);
}

TEST(ComponentTest, RealButUnsupportedTypeIsAWarning) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: cache}
spec:
  type: state.redis
  version: v1
)", diags);
  EXPECT_DIAG(diags, "not supported by the LearnFlow sidecar", Severity::warning, 5);
  EXPECT_FALSE(diags.has_errors()) << dump(diags);
}

TEST(ComponentTest, NameResolutionComponentPointsToConfiguration) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: nr}
spec:
  type: nameresolution.sqlite
  version: v1
)", diags);
  EXPECT_DIAG(diags, "spec.nameResolution", Severity::error, 5);
}

TEST(ComponentTest, KafkaRequiresBrokersAndAuthType) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: pubsub}
spec:
  type: pubsub.kafka
  version: v1
  metadata:
  - name: initialOffset
    value: "latest"
  - name: maxMessageBytes
    value: "lots"
)", diags);
  EXPECT_DIAG(diags, "requires metadata brokers", Severity::error, 7);
  EXPECT_DIAG(diags, "requires metadata authType", Severity::error, 7);
  EXPECT_DIAG(diags, "initialOffset must be newest or oldest", Severity::error, 8);
  EXPECT_DIAG(diags, "maxMessageBytes must be an integer", Severity::error, 10);
}

TEST(ComponentTest, KafkaAuthRequiredIsDeprecatedAndAuthTypeValidated) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: pubsub}
spec:
  type: pubsub.kafka
  version: v1
  metadata:
  - name: brokers
    value: "localhost:9092"
  - name: authRequired
    value: "false"
)", diags);
  EXPECT_DIAG(diags, "authRequired is deprecated", Severity::warning, 10);
  EXPECT_NE(lf::testing::find_diag(diags, "authRequired")->hint.find("authType"), std::string::npos);
  EXPECT_FALSE(diags.has_errors()) << dump(diags);

  Diagnostics bad;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: pubsub}
spec:
  type: pubsub.kafka
  version: v1
  metadata:
  - {name: brokers, value: "b:9092"}
  - {name: authType, value: "password"}
  - {name: surprise, value: "1"}
)", bad);
  EXPECT_DIAG(bad, "authType password requires metadata saslUsername", Severity::error, 9);
  EXPECT_DIAG(bad, "surprise is not a pubsub.kafka field", Severity::warning, 10);
}

TEST(ComponentTest, SqliteRequiresConnectionStringAndChecksFormats) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: statestore}
spec:
  type: state.sqlite
  version: v1
  metadata:
  - name: busyTimeout
    value: "soon"
  - name: disableWAL
    value: "maybe"
)", diags);
  EXPECT_DIAG(diags, "requires metadata connectionString", Severity::error, 7);
  EXPECT_DIAG(diags, "busyTimeout must be a duration", Severity::error, 8);
  EXPECT_DIAG(diags, "disableWAL must be \"true\" or \"false\"", Severity::error, 10);
}

TEST(ComponentTest, PostgresTableAndSchemaAreNotFields) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: statestore}
spec:
  type: state.postgresql
  version: v1
  metadata:
  - name: connectionString
    value: "host=localhost"
  - name: table
    value: "t"
  - name: schema
    value: "public"
  - name: actorStateStore
    value: "true"
)", diags);
  EXPECT_DIAG(diags, "metadata table is not a state.postgresql field", Severity::warning, 10);
  EXPECT_DIAG(diags, "metadata schema is not a state.postgresql field", Severity::warning, 12);
  EXPECT_NE(lf::testing::find_diag(diags, "metadata table")->hint.find("tableName"), std::string::npos);
  EXPECT_DIAG(diags, "actorStateStore is ignored", Severity::warning, 14);
  EXPECT_FALSE(diags.has_errors()) << dump(diags);
}

TEST(ComponentTest, StructuralErrorsAreLocated) {
  Diagnostics diags;
  auto c = parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: x}
spec:
  version: v1
)", diags);
  EXPECT_FALSE(c);
  EXPECT_DIAG(diags, "missing required field spec.type", Severity::error, 5);  // the spec mapping

  Diagnostics more;
  parse(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: x}
spec:
  type: state.sqlite
  version: v1
  metadata:
  - connectionString
  - name: connectionString
    value: {nested: true}
  scopes: [a]
)", more);
  EXPECT_DIAG(more, "spec.metadata[0] must be a mapping", Severity::error, 8);
  EXPECT_DIAG(more, "spec.metadata[1].value must be a string", Severity::error, 10);
  EXPECT_DIAG(more, "spec.scopes is ignored", Severity::warning, 11);
}

TEST(ComponentTest, SurvivesHostileShapes) {
  for (const char* text : {"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: [1]\nspec: 3\n",
                           "kind: Component\nspec: {type: [], metadata: {a: b}}\n",
                           "kind: Component\nmetadata: {name: {}}\nspec: {type: pubsub.kafka, metadata: [[], {name: []}, "
                           "{name: brokers, secretKeyRef: 7}]}\n"}) {
    Diagnostics diags;
    auto docs = yaml::load_string(text, "t.yaml", diags);
    ASSERT_EQ(docs.size(), 1u);
    parse_component(docs[0], diags);
    EXPECT_TRUE(diags.has_errors()) << text;
  }
}

}  // namespace
}  // namespace lf::resources
