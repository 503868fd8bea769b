// lint_documents over in-memory manifests: dispatch and the cross-document checks.
#include "lint/lint.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "lint/manifests.hpp"
#include "resources/doc_helpers.hpp"

namespace lf::lint {
namespace {

using lf::testing::dump;
using lf::testing::find_diag;

std::vector<yaml::Document> docs_of(std::initializer_list<std::pair<std::string, std::string>> files) {
  Diagnostics load;
  std::vector<yaml::Document> out;
  for (const auto& [name, text] : files) {
    auto docs = yaml::load_string(text, name, load);
    out.insert(out.end(), docs.begin(), docs.end());
  }
  EXPECT_FALSE(load.has_errors()) << dump(load);
  return out;
}

std::string deployment(const std::string& name, const std::string& extra_annotations, const std::string& cpu_request,
                       const std::string& replicas = "") {
  return "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "spec:\n" + replicas +
         "  selector:\n"
         "    matchLabels: {app: " + name + "}\n"
         "  template:\n"
         "    metadata:\n"
         "      labels: {app: " + name + "}\n"
         "      annotations:\n"
         "        dapr.io/enabled: \"true\"\n"
         "        dapr.io/app-id: \"" + name + "\"\n" + extra_annotations +
         "    spec:\n"
         "      containers:\n"
         "      - name: " + name + "\n"
         "        image: learnflow/" + name + ":latest\n"
         "        ports: [{name: http, containerPort: 8080}]\n" +
         (cpu_request.empty() ? "" : "        resources: {requests: {cpu: " + cpu_request + "}}\n");
}

const std::string kHpa = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: course-agent-hpa
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: course-agent
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
)";

TEST(LintTest, MissingApiVersionOrKindIsAnErrorAndUnknownKindsWarn) {
  auto diags = lint_documents(docs_of({{"a.yaml", "kind: Component\nmetadata: {name: x}\n"},
                                       {"b.yaml", "apiVersion: v1\nmetadata: {name: x}\n"},
                                       {"c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"},
                                       {"d.yaml", "- a\n- b\n"},
                                       {"e.yaml", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\n"}}));
  EXPECT_DIAG(diags, "missing apiVersion", Severity::error, 1);
  EXPECT_DIAG(diags, "missing kind", Severity::error, 1);
  EXPECT_DIAG(diags, "kind ConfigMap (apiVersion v1) is not checked", Severity::warning, 2);
  EXPECT_DIAG(diags, "a manifest must be a mapping", Severity::error, 1);
  EXPECT_DIAG(diags, "checked as apiVersion autoscaling/v2, not autoscaling/v1", Severity::error, 1);
  EXPECT_EQ(find_diag(diags, "missing apiVersion")->where.file, "a.yaml");
}

TEST(LintTest, HpaOnCpuNeedsEveryContainerRequestIncludingDaprd) {
  auto diags = lint_documents(docs_of({{"deploy.yaml", deployment("course-agent", "", "")}, {"hpa.yaml", kHpa}}));
  const auto* app = find_diag(diags, "missing request for cpu in container course-agent of Pod course-agent-");
  ASSERT_NE(app, nullptr) << dump(diags);
  EXPECT_EQ(app->where.file, "deploy.yaml");
  EXPECT_EQ(app->where.line, 16);  // the container's name
  const auto* sidecar = find_diag(diags, "missing request for cpu in container daprd of Pod course-agent-");
  ASSERT_NE(sidecar, nullptr) << dump(diags);
  EXPECT_EQ(sidecar->where.line, 12);  // dapr.io/enabled
  EXPECT_NE(sidecar->hint.find("dapr.io/sidecar-cpu-request"), std::string::npos);
  EXPECT_EQ(diags.error_count(), 0u) << dump(diags);
}

TEST(LintTest, HpaIsSatisfiedWhenAppAndSidecarRequestCpu) {
  auto diags = lint_documents(docs_of(
      {{"deploy.yaml", deployment("course-agent", "        dapr.io/sidecar-cpu-request: \"100m\"\n", "200m")},
       {"hpa.yaml", kHpa}}));
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
}

TEST(LintTest, HpaTargetNotFoundAndReplicasOwnedByHpa) {
  auto missing = lint_documents(docs_of({{"hpa.yaml", kHpa}}));
  EXPECT_DIAG(missing, "targets Deployment course-agent, which is not among the linted files", Severity::warning, 9);
  EXPECT_NE(find_diag(missing, "not among")->message.find("dapr.io/sidecar-cpu-request"), std::string::npos);

  auto owned = lint_documents(docs_of(
      {{"deploy.yaml", deployment("course-agent", "        dapr.io/sidecar-cpu-request: \"100m\"\n", "200m",
                                  "  replicas: 3\n")},
       {"hpa.yaml", kHpa}}));
  EXPECT_DIAG(owned, "sets spec.replicas but HorizontalPodAutoscaler course-agent-hpa owns", Severity::warning, 6);
}

TEST(LintTest, ServiceSelectorAndTargetPortMustMatchADeployment) {
  const std::string service = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: nobody}
  ports:
  - {name: http, port: 80, targetPort: http}
)";
  const std::string named = R"(apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - name: http
    port: 80
    targetPort: grpc
)";
  auto diags = lint_documents(
      docs_of({{"d.yaml", deployment("api", "", "100m")}, {"s.yaml", service}, {"n.yaml", named}}));
  EXPECT_DIAG(diags, "Service web selects no pods", Severity::warning, 5);
  EXPECT_DIAG(diags, "targetPort grpc is not a container port name of Deployment api", Severity::warning, 9);
}

TEST(LintTest, SharedKafkaConsumerGroupAcrossAppsWarns) {
  const std::string pubsub = R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: pubsub}
spec:
  type: pubsub.kafka
  version: v1
  metadata:
  - {name: brokers, value: "k:9092"}
  - {name: authType, value: "none"}
  - {name: consumerGroup, value: "learnflow"}
)";
  auto diags = lint_documents(docs_of({{"a.yaml", deployment("course-agent", "", "")},
                                       {"b.yaml", deployment("user-progress", "", "")},
                                       {"pubsub.yaml", pubsub}}));
  EXPECT_DIAG(diags, "app ids course-agent, user-progress all join Kafka consumer group \"learnflow\"",
              Severity::warning, 10);

  auto alone = lint_documents(docs_of({{"pubsub.yaml", pubsub}}));
  EXPECT_DIAG(alone, "no scopes, so every app that loads it joins", Severity::warning, 10);

  auto scoped = lint_documents(docs_of({{"pubsub.yaml", pubsub + "scopes: [course-agent]\n"}}));
  EXPECT_EQ(find_diag(scoped, "consumer group"), nullptr) << dump(scoped);

  std::string templated = pubsub;
  templated.replace(templated.find("\"learnflow\""), 11, "\"{appID}-group\"");
  auto per_app = lint_documents(docs_of({{"a.yaml", deployment("course-agent", "", "")},
                                         {"b.yaml", deployment("user-progress", "", "")},
                                         {"pubsub.yaml", templated}}));
  EXPECT_EQ(find_diag(per_app, "consumer group"), nullptr) << dump(per_app);
}

TEST(LintTest, SubscriptionScopesAndPubsubMustExist) {
  const std::string sub = R"(apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: {name: s}
spec:
  pubsubname: kafka
  topic: lesson-generated
  routes: {default: /events}
scopes:
- user-progres
)";
  const std::string state = R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: statestore}
spec:
  type: state.sqlite
  version: v1
  metadata: [{name: connectionString, value: "x.db"}]
)";
  auto diags = lint_documents(docs_of({{"d.yaml", deployment("user-progress", "", "")}, {"s.yaml", sub},
                                       {"c.yaml", state}}));
  EXPECT_DIAG(diags, "scoped to app id user-progres, which no linted Deployment has", Severity::warning, 9);
  EXPECT_DIAG(diags, "uses pubsub kafka, which is not a pubsub Component", Severity::warning, 5);
}

TEST(LintTest, DaprConfigAnnotationMustNameALintedConfiguration) {
  auto diags = lint_documents(
      docs_of({{"d.yaml", deployment("web", "        dapr.io/config: \"missing-config\"\n", "")}}));
  EXPECT_DIAG(diags, "names Configuration missing-config, which is not among the linted files", Severity::warning,
              14);
}

const std::string kResiliency = R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: r
spec:
  policies:
    timeouts:
      publish: 2s
      progress: 5s
    retries:
      publishRetry:
        policy: constant
        duration: 1s
        maxRetries: 3
  targets:
    apps:
      user-progress:
        timeout: progress
    components:
      pubsub:
        outbound:
          timeout: publish
          retry: publishRetry
)";

TEST(LintTest, RetryBudgetLongerThanTheCallersTimeoutWarns) {
  // 4 attempts × 2s + 3 × 1s = 11s > the 5s callers give user-progress.
  auto diags = lint_documents(docs_of({{"r.yaml", kResiliency}}));
  EXPECT_DIAG(diags, "outbound retry budget of component pubsub is 11s", Severity::warning, 23);
  EXPECT_NE(find_diag(diags, "retry budget")->message.find("5s timeout callers apply to user-progress"),
            std::string::npos);
}

TEST(LintTest, RetryBudgetWithinTheCallersTimeoutIsQuiet) {
  std::string fits = kResiliency;
  fits.replace(fits.find("progress: 5s"), 12, "progress: 12s");
  auto diags = lint_documents(docs_of({{"r.yaml", fits}}));
  EXPECT_EQ(find_diag(diags, "retry budget"), nullptr) << dump(diags);
}

TEST(LintTest, UnlimitedRetriesAreAnUnboundedBudget) {
  std::string forever = kResiliency;
  forever.replace(forever.find("maxRetries: 3"), 13, "maxRetries: -1");
  auto diags = lint_documents(docs_of({{"r.yaml", forever}}));
  EXPECT_DIAG(diags, "is unbounded", Severity::warning, 23);
}

TEST(LintTest, ResiliencyScopedAwayFromTheAppIsQuiet) {
  std::string scoped = kResiliency + "scopes: [course-agent]\n";
  auto diags = lint_documents(docs_of({{"r.yaml", scoped}}));
  EXPECT_EQ(find_diag(diags, "retry budget"), nullptr) << dump(diags);
}

TEST(LintTest, ResiliencyDocumentsAreValidatedByTheResiliencyParser) {
  auto diags = lint_documents(docs_of({{"r.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: {name: r}
spec:
  policies:
    retries:
      bad:
        policy: sometimes
)"}}));
  EXPECT_TRUE(diags.has_errors()) << dump(diags);
  EXPECT_EQ(diags.all().front().where.file, "r.yaml");
  EXPECT_GT(diags.all().front().where.line, 0);
}

}  // namespace
}  // namespace lf::lint

namespace lf::lint {
namespace {

TEST(LoadManifestsTest, DeployFolderLoadsIntoModels) {
  const char* source = std::getenv("LEARNFLOW_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  Diagnostics diags;
  auto set = load_manifests({std::string(source) + "/deploy"}, diags);
  EXPECT_EQ(diags.all().size(), 0u) << lf::testing::dump(diags);
  EXPECT_EQ(set.deployments.size(), 3u);
  EXPECT_EQ(set.services.size(), 3u);
  EXPECT_EQ(set.hpas.size(), 2u);
  EXPECT_EQ(set.components.size(), 2u);
  EXPECT_EQ(set.configurations.size(), 1u);
  EXPECT_EQ(set.subscriptions.size(), 2u);
  EXPECT_EQ(set.resiliencies.size(), 1u);
  EXPECT_EQ(set.dapr_app_ids(), (std::vector<std::string>{"course-agent", "learnflow-frontend", "user-progress"}));
  for (const auto& d : set.deployments) {
    ASSERT_EQ(d.value.containers.size(), 1u);
    EXPECT_TRUE(d.value.containers[0].resources.requests.cpu) << d.value.metadata.name;
    EXPECT_TRUE(d.value.dapr.sidecar_cpu_request) << d.value.metadata.name;
    EXPECT_EQ(d.value.containers[0].readiness_probe->http_get->path, "/readyz");
    EXPECT_EQ(d.value.containers[0].liveness_probe->http_get->path, "/healthz");
    EXPECT_EQ(d.value.dapr.config, "learnflow-config");
  }
  EXPECT_EQ(set.configurations[0].value.name_resolution.component, "sqlite");
  EXPECT_TRUE(set.configurations[0].value.name_resolution.sqlite);
}

}  // namespace
}  // namespace lf::lint
