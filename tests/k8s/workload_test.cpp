#include "k8s/workload.hpp"

#include <gtest/gtest.h>

#include "k8s/service.hpp"
#include "resources/doc_helpers.hpp"

namespace lf::k8s {
namespace {

using lf::testing::dump;
using lf::testing::load_doc;

constexpr std::string_view kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: course-agent
spec:
  replicas: 2
  selector:
    matchLabels:
      app: course-agent
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: course-agent
        tier: backend
      annotations:
        dapr.io/enabled: "true"
        dapr.io/app-id: "course-agent"
        dapr.io/app-port: "8080"
        dapr.io/config: "learnflow-config"
        dapr.io/metrics-port: "9091"
        dapr.io/sidecar-cpu-request: "100m"
        dapr.io/sidecar-memory-limit: "256Mi"
        dapr.io/log-level: "debug"
        dapr.io/graceful-shutdown-seconds: "10"
    spec:
      terminationGracePeriodSeconds: 45
      containers:
      - name: course-agent
        image: learnflow/course-agent:latest
        command: ["course-agent"]
        args: ["--verbose"]
        env:
        - name: APP_PORT
          value: "8080"
        - name: POD_NAME
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
        ports:
        - name: http
          containerPort: 8080
        resources:
          requests:
            cpu: 250m
            memory: 128Mi
          limits:
            cpu: "1"
            memory: 1Gi
        readinessProbe:
          httpGet:
            path: /readyz
            port: http
        livenessProbe:
          httpGet:
            path: /healthz
            port: 8080
          initialDelaySeconds: 5
          periodSeconds: 20
          timeoutSeconds: 2
          failureThreshold: 4
)";

TEST(DeploymentTest, ParsesEveryFieldWithDefaults) {
  Diagnostics diags;
  auto d = parse_deployment(load_doc(kDeployment, diags), diags);
  ASSERT_TRUE(d);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(d->metadata.name, "course-agent");
  EXPECT_EQ(d->desired_replicas(), 2);
  EXPECT_EQ(d->selector.at("app"), "course-agent");
  EXPECT_EQ(d->pod_labels.at("tier"), "backend");
  EXPECT_EQ(d->termination_grace_period_seconds, 45);
  EXPECT_EQ(d->strategy.max_surge, "1");
  EXPECT_EQ(d->strategy.max_unavailable, "0");
  EXPECT_EQ(d->revision_history_limit, 10);
  EXPECT_EQ(d->progress_deadline_seconds, 600);
  ASSERT_EQ(d->containers.size(), 1u);
  const auto& c = d->containers[0];
  EXPECT_EQ(c.image, "learnflow/course-agent:latest");
  EXPECT_EQ(c.command, std::vector<std::string>{"course-agent"});
  EXPECT_EQ(c.args, std::vector<std::string>{"--verbose"});
  ASSERT_EQ(c.env.size(), 2u);
  EXPECT_EQ(c.env[0].value, "8080");
  EXPECT_TRUE(c.env[1].from_source);
  EXPECT_EQ(c.env[1].field_path, "metadata.name");
  ASSERT_NE(c.port_named("http"), nullptr);
  EXPECT_EQ(c.port_named("http")->container_port, 8080);
  EXPECT_EQ(c.port_named("http")->protocol, "TCP");
  EXPECT_EQ(c.resources.requests.cpu->milli, 250);
  EXPECT_EQ(c.resources.requests.memory->value(), 128LL << 20);
  EXPECT_EQ(c.resources.limits.cpu->milli, 1000);
  EXPECT_EQ(c.resources.limits.memory->value(), 1LL << 30);

  ASSERT_TRUE(c.readiness_probe && c.readiness_probe->http_get);
  const auto& ready = *c.readiness_probe;  // Kubernetes defaults
  EXPECT_EQ(ready.http_get->path, "/readyz");
  EXPECT_EQ(ready.http_get->port.name, "http");
  EXPECT_EQ(ready.http_get->scheme, "HTTP");
  EXPECT_EQ(ready.initial_delay_seconds, 0);
  EXPECT_EQ(ready.period_seconds, 10);
  EXPECT_EQ(ready.timeout_seconds, 1);
  EXPECT_EQ(ready.success_threshold, 1);
  EXPECT_EQ(ready.failure_threshold, 3);
  ASSERT_TRUE(c.liveness_probe && c.liveness_probe->http_get);
  const auto& live = *c.liveness_probe;
  EXPECT_EQ(live.http_get->port.number, 8080);
  EXPECT_FALSE(live.http_get->port.is_name());
  EXPECT_EQ(live.initial_delay_seconds, 5);
  EXPECT_EQ(live.period_seconds, 20);
  EXPECT_EQ(live.timeout_seconds, 2);
  EXPECT_EQ(live.failure_threshold, 4);
  EXPECT_FALSE(c.startup_probe);

  const auto& dapr = d->dapr;
  EXPECT_TRUE(dapr.enabled);
  EXPECT_EQ(dapr.app_id, "course-agent");
  EXPECT_EQ(dapr.app_port, 8080);
  EXPECT_EQ(dapr.config, "learnflow-config");
  EXPECT_EQ(dapr.metrics_port, 9091);
  EXPECT_TRUE(dapr.enable_metrics);
  EXPECT_EQ(dapr.log_level, "debug");
  EXPECT_EQ(dapr.sidecar_cpu_request->milli, 100);
  EXPECT_EQ(dapr.sidecar_memory_limit->value(), 256LL << 20);
  EXPECT_FALSE(dapr.sidecar_cpu_limit);
  EXPECT_EQ(dapr.graceful_shutdown_seconds, 10);
  EXPECT_EQ(dapr.http_port, 3500);
  EXPECT_EQ(dapr.grpc_port, 50001);
  EXPECT_EQ(dapr.liveness.period_seconds, 6);
  EXPECT_EQ(dapr.app_health_check_path, "/healthz");
}

TEST(DeploymentTest, MinimalDeploymentGetsKubernetesDefaults) {
  Diagnostics diags;
  auto d = parse_deployment(load_doc(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: web:1}
)", diags), diags);
  ASSERT_TRUE(d);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_FALSE(d->replicas);
  EXPECT_EQ(d->desired_replicas(), 1);
  EXPECT_EQ(d->termination_grace_period_seconds, 30);
  EXPECT_EQ(d->strategy.type, "RollingUpdate");
  EXPECT_EQ(d->strategy.max_surge, "25%");
  EXPECT_EQ(d->strategy.max_unavailable, "25%");
  EXPECT_FALSE(d->dapr.enabled);
  EXPECT_FALSE(d->containers[0].resources.requests.cpu);
}

TEST(DeploymentTest, RequestDefaultsToLimit) {
  Diagnostics diags;
  auto d = parse_deployment(load_doc(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:1
        resources: {limits: {cpu: 500m}}
)", diags), diags);
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->containers[0].resources.requests.cpu);
  EXPECT_EQ(d->containers[0].resources.requests.cpu->milli, 500);
}

TEST(DeploymentTest, ReportsErrorsAtTheirLines) {
  Diagnostics diags;
  parse_deployment(load_doc(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: "3"
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: other}
      annotations:
        dapr.io/enabled: true
        dapr.io/app-port: "eighty"
        dapr.io/sidecar-cpu-request: "lots"
        dapr.io/unknown-thing: "x"
    spec:
      containers:
      - name: web
        resources:
          requests:
            cpu: 1x
        readinessProbe:
          httpGet: {path: /readyz, port: metrics}
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          successThreshold: 2
        ports:
        - name: a-very-long-port-name
          containerPort: 70000
)", diags), diags);
  EXPECT_DIAG(diags, "spec.replicas must be an integer", Severity::error, 5);
  EXPECT_DIAG(diags, "selector.matchLabels does not match", Severity::error, 6);
  EXPECT_DIAG(diags, "[dapr.io/enabled] must be a string", Severity::error, 11);
  EXPECT_DIAG(diags, "dapr.io/enabled is \"true\" but dapr.io/app-id is missing", Severity::error, 11);
  EXPECT_DIAG(diags, "[dapr.io/app-port] must be a port number", Severity::error, 12);
  EXPECT_DIAG(diags, "[dapr.io/sidecar-cpu-request] must be a CPU quantity", Severity::error, 13);
  EXPECT_DIAG(diags, "dapr.io/unknown-thing is not handled", Severity::warning, 14);
  EXPECT_DIAG(diags, "missing required field spec.template.spec.containers[0].image", Severity::error, 17);
  EXPECT_DIAG(diags, "invalid quantity \"1x\"", Severity::error, 20);
  EXPECT_DIAG(diags, "probe port \"metrics\" is not a port name", Severity::error, 17);
  EXPECT_DIAG(diags, "successThreshold must be 1 for livenessProbe", Severity::error, 25);
  EXPECT_DIAG(diags, "must be at most 15 characters", Severity::error, 27);
  EXPECT_DIAG(diags, "containerPort must be between 1 and 65535", Severity::error, 28);
}

TEST(DaprAnnotationsTest, DefaultsFollowTheInjector) {
  Diagnostics diags;
  auto d = parse_deployment(load_doc(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {dapr.io/enabled: "true", dapr.io/app-id: "web", other.io/x: "1"}
    spec:
      containers: [{name: web, image: web:1}]
)", diags), diags);
  ASSERT_TRUE(d);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  const auto& a = d->dapr;
  EXPECT_TRUE(a.enabled);
  EXPECT_FALSE(a.app_port);
  EXPECT_EQ(a.app_protocol, "http");
  EXPECT_TRUE(a.config.empty());
  EXPECT_TRUE(a.enable_metrics);
  EXPECT_EQ(a.metrics_port, 9090);
  EXPECT_EQ(a.log_level, "info");
  EXPECT_FALSE(a.log_as_json);
  EXPECT_FALSE(a.sidecar_cpu_request);
  EXPECT_EQ(a.http_port, 3500);
  EXPECT_EQ(a.grpc_port, 50001);
  EXPECT_EQ(a.internal_grpc_port, 50002);
  EXPECT_FALSE(a.graceful_shutdown_seconds);
  for (const auto* probe : {&a.liveness, &a.readiness}) {
    EXPECT_EQ(probe->delay_seconds, 3);
    EXPECT_EQ(probe->timeout_seconds, 3);
    EXPECT_EQ(probe->period_seconds, 6);
    EXPECT_EQ(probe->threshold, 3);
  }
  EXPECT_FALSE(a.enable_app_health_check);
  EXPECT_EQ(a.app_health_check_path, "/healthz");
  EXPECT_EQ(d->pod_annotations.at("other.io/x"), "1");
}

TEST(DeploymentTest, DaprPortsMustNotCollideWithTheApp) {
  Diagnostics diags;
  parse_deployment(load_doc(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        dapr.io/enabled: "true"
        dapr.io/app-id: "web"
        dapr.io/app-port: "8081"
    spec:
      containers:
      - name: web
        image: web:1
        ports: [{name: http, containerPort: 3500}]
)", diags), diags);
  EXPECT_DIAG(diags, "port 3500 collides with daprd's dapr.io/http-port", Severity::warning, 10);
  EXPECT_DIAG(diags, "dapr.io/app-port 8081 is not a containerPort", Severity::warning, 12);
}

TEST(ServiceTest, ParsesPortsWithTargetPortDefaults) {
  Diagnostics diags;
  auto s = parse_service(load_doc(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: http
  - name: admin
    port: 9000
)", diags), diags);
  ASSERT_TRUE(s);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(s->type, "ClusterIP");
  EXPECT_EQ(s->selector.at("app"), "web");
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[0].target_port.name, "http");
  EXPECT_EQ(s->ports[1].target_port.number, 9000);  // defaults to port
  EXPECT_FALSE(s->ports[1].target_port.is_name());
}

TEST(ServiceTest, ReportsErrors) {
  Diagnostics diags;
  parse_service(load_doc(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: Internal
  ports:
  - port: 80
  - port: 81
)", diags), diags);
  EXPECT_DIAG(diags, "spec.type must be ClusterIP", Severity::error, 5);
  EXPECT_DIAG(diags, "spec.ports[0].name is required when a Service has several ports", Severity::error, 7);
}

TEST(SelectorTest, MatchesSubsetsOnly) {
  EXPECT_TRUE(selector_matches({{"app", "a"}}, {{"app", "a"}, {"tier", "b"}}));
  EXPECT_FALSE(selector_matches({{"app", "a"}, {"tier", "c"}}, {{"app", "a"}, {"tier", "b"}}));
  EXPECT_FALSE(selector_matches({}, {{"app", "a"}}));
}

}  // namespace
}  // namespace lf::k8s
