// Image → binary mapping, $(VAR) expansion, the local substitutions in Dapr resources, the
// Prometheus configuration and file_sd documents, and the status JSON contract.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "platform/image.hpp"
#include "platform/manifests.hpp"
#include "platform/prometheus_config.hpp"
#include "platform/snapshot.hpp"
#include "platform/workloads.hpp"

namespace lf::platform {
namespace {
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/lf-platform-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string executable(const std::string& name) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << "#!/bin/sh\n";
    fs::permissions(p, fs::perms::owner_all);
    return p;
  }

 private:
  std::string path_;
};

TEST(ImageMapping, ShortNameAndRepository) {
  EXPECT_EQ(image_short_name("learnflow/course-agent:latest"), "course-agent");
  EXPECT_EQ(image_short_name("registry:5000/learnflow/user-progress:1.2@sha256:abc"), "user-progress");
  EXPECT_EQ(image_repository("registry:5000/learnflow/x:1"), "registry:5000/learnflow/x");
  EXPECT_EQ(image_repository("registry:5000/x"), "registry:5000/x");
  EXPECT_EQ(image_short_name("busybox"), "busybox");
}

TEST(ImageMapping, CommandThenImageNameThenOverride) {
  TempDir bin;
  bin.executable("course-agent");
  const std::string other = bin.executable("other");
  k8s::Container c;
  c.name = "app";
  c.image = "learnflow/course-agent:latest";
  ImageMapping mapping{bin.path(), {}};
  auto from_image = container_argv(c, mapping, {});
  ASSERT_TRUE(from_image);
  EXPECT_EQ(*from_image, std::vector<std::string>{bin.path() + "/course-agent"});

  c.command = {"course-agent", "--log-level", "$(LEVEL)"};
  c.args = {"$$(LEVEL)"};
  auto from_command = container_argv(c, mapping, {{"LEVEL", "debug"}});
  ASSERT_TRUE(from_command);
  EXPECT_EQ(*from_command, (std::vector<std::string>{bin.path() + "/course-agent", "--log-level", "debug", "$(LEVEL)"}));

  mapping.overrides["learnflow/course-agent"] = other;
  auto overridden = container_argv(c, mapping, {{"LEVEL", "debug"}});
  ASSERT_TRUE(overridden);
  EXPECT_EQ(overridden->front(), other);

  c.image = "learnflow/missing:1";
  c.command.clear();
  auto missing = container_argv(c, ImageMapping{bin.path(), {}}, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("--image learnflow/missing=PATH"), std::string::npos);
}

TEST(ImageMapping, VariableExpansionLeavesUnknownNames) {
  EXPECT_EQ(expand_variables("$(A)-$(B)-$$(A)-$(", {{"A", "1"}}), "1-$(B)-$(A)-$(");
}

TEST(LocalSubstitutions, BrokersStatePathsAndQuotingAreRewritten) {
  Diagnostics diags;
  auto docs = yaml::load_string(R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.kafka
  version: v1
  metadata:
  - name: brokers
    value: "kafka:9092"
  - name: maxMessageBytes
    value: "1024"
  - name: path
    value: .learnflow/state.db
)", "pubsub.yaml", diags);
  ASSERT_EQ(docs.size(), 1u);
  LocalSubstitutions subs{"127.0.0.1:4242", "", "/state"};
  const std::string text = render_substituted(docs[0], subs);
  EXPECT_NE(text.find("value: \"127.0.0.1:4242\""), std::string::npos) << text;
  EXPECT_NE(text.find("value: \"1024\""), std::string::npos) << text;  // quoted stays quoted
  EXPECT_NE(text.find("/state/state.db"), std::string::npos) << text;
  EXPECT_EQ(text.find("kafka:9092"), std::string::npos);
}

TEST(LocalSubstitutions, TheZipkinEndpointPointsAtTheLocalCollector) {
  Diagnostics diags;
  auto docs = yaml::load_string(R"(apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: cfg
spec:
  tracing:
    samplingRate: "1"
    zipkin:
      endpointAddress: "http://zipkin.observability.svc.cluster.local:9411/api/v2/spans"
)", "config.yaml", diags);
  ASSERT_EQ(docs.size(), 1u);
  LocalSubstitutions subs{"", "", "/state", "http://127.0.0.1:4343/api/v2/spans"};
  const std::string text = render_substituted(docs[0], subs);
  EXPECT_NE(text.find("endpointAddress: \"http://127.0.0.1:4343/api/v2/spans\""), std::string::npos) << text;
  EXPECT_NE(text.find("samplingRate: \"1\""), std::string::npos) << text;
  EXPECT_EQ(text.find("zipkin.observability"), std::string::npos) << text;
  // A Configuration without tracing gets none.
  auto plain = yaml::load_string("kind: Configuration\nmetadata:\n  name: c\nspec:\n  metrics:\n    enabled: true\n", "c.yaml", diags);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(render_substituted(plain[0], subs).find("tracing"), std::string::npos);
}

TEST(LocalSubstitutions, TheDeployFolderLoadsAndWritesItsDaprFiles) {
  const char* source = std::getenv("LEARNFLOW_SOURCE_DIR");
  const std::string deploy = std::string(source ? source : ".") + "/deploy";
  if (!fs::exists(deploy)) GTEST_SKIP() << "no deploy/ folder";
  auto state = load_desired_state(deploy);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->deployments.size(), 3u);
  EXPECT_EQ(state->services.size(), 3u);
  EXPECT_EQ(state->hpas.size(), 2u);
  EXPECT_TRUE(state->needs_kafka());
  EXPECT_FALSE(state->needs_postgres());
  ASSERT_NE(state->hpa_for("course-agent"), nullptr);
  TempDir out;
  ASSERT_TRUE(write_dapr_files(*state, {"127.0.0.1:1", "", out.path()}, out.path() + "/resources", out.path() + "/config"));
  EXPECT_TRUE(fs::exists(out.path() + "/config/learnflow-config.yaml"));
  int files = 0;
  for (const auto& e : fs::directory_iterator(out.path() + "/resources")) files += e.is_regular_file();
  EXPECT_EQ(files, static_cast<int>(state->dapr_resources.size()));
}

TEST(Workloads, PodGetsLocalPortsEnvAndSidecarFlags) {
  TempDir bin;
  bin.executable("course-agent");
  k8s::Deployment d;
  d.metadata.name = "course-agent";
  d.dapr.enabled = true;
  d.dapr.app_id = "course-agent";
  d.dapr.app_port = 8080;
  d.dapr.config = "learnflow-config";
  d.dapr.sidecar_cpu_request = k8s::Quantity{"100m", 100};
  k8s::Container c;
  c.name = "course-agent";
  c.image = "learnflow/course-agent:latest";
  c.env = {{"APP_PORT", "8080", false},
           {"OTHER", "x", false},
           {"MY_POD", "", true, "metadata.name"},
           {"MY_NAMESPACE", "", true, "metadata.namespace"},
           {"MY_IP", "", true, "status.podIP"},
           {"MY_NODE", "", true, "spec.nodeName"},
           {"MY_APP", "", true, "metadata.labels['app']"},
           {"FROM_SECRET", "", true, ""}};
  d.pod_labels = {{"app", "course-agent"}};
  c.ports = {{"http", 8080, "TCP"}};
  k8s::Probe readiness;
  readiness.http_get = k8s::HttpGetAction{"/readyz", k8s::PortRef{0, "http"}, "HTTP", ""};
  c.readiness_probe = readiness;
  c.resources.requests.cpu = k8s::Quantity{"200m", 200};
  d.containers = {c};
  PodContext ctx;
  ctx.state_dir = "/state";
  ctx.node_name = "node-a";
  ctx.sidecar_binary = bin.path() + "/sidecar";
  ctx.resources_dir = "/state/dapr/resources";
  ctx.config_dir = "/state/dapr/config";
  ctx.images = {bin.path(), {}};
  ctx.log_path = [&](const std::string& pod, const std::string& container) { return bin.path() + "/" + pod + "/" + container + ".log"; };
  const std::string name = new_pod_name(d);
  EXPECT_EQ(name.rfind(replicaset_name(d) + "-", 0), 0u);
  EXPECT_EQ(name.size(), replicaset_name(d).size() + 6);
  auto pod = build_pod_launch(d, name, ctx);
  ASSERT_TRUE(pod) << pod.error().message;
  ASSERT_EQ(pod->containers.size(), 2u);
  const auto& app = pod->containers[0];
  std::map<std::string, std::string> env(app.env.begin(), app.env.end());
  EXPECT_EQ(env["APP_PORT"], std::to_string(pod->app_port));
  EXPECT_NE(pod->app_port, 8080);
  EXPECT_EQ(env["DAPR_HTTP_PORT"], std::to_string(pod->dapr_http_port));
  EXPECT_EQ(env["DAPR_GRPC_PORT"], std::to_string(pod->dapr_grpc_port));
  EXPECT_EQ(env["APP_ID"], "course-agent");
  EXPECT_EQ(env["POD_NAME"], name);
  EXPECT_EQ(env["NAMESPACE"], "default");
  EXPECT_EQ(env["OTHER"], "x");
  EXPECT_EQ(env["MY_POD"], name);  // valueFrom.fieldRef: the downward API on one machine
  EXPECT_EQ(env["MY_NAMESPACE"], "default");
  EXPECT_EQ(env["MY_IP"], "127.0.0.1");
  EXPECT_EQ(env["MY_NODE"], "node-a");
  EXPECT_EQ(env["MY_APP"], "course-agent");
  EXPECT_EQ(env.count("FROM_SECRET"), 0u);  // secretKeyRef and the like have no local source
  EXPECT_EQ(env["LEARNFLOW_STATE_DIR"], "/state");  // how `learnflow down` recognises leftovers
  ASSERT_TRUE(app.readiness);
  EXPECT_EQ(app.readiness->http_get->port.number, pod->app_port);
  const auto& daprd = pod->containers[1];
  EXPECT_EQ(daprd.name, "daprd");
  EXPECT_EQ(daprd.cpu_request_milli, 100);
  auto has = [&](const std::string& flag, const std::string& value) {
    for (std::size_t i = 0; i + 1 < daprd.argv.size(); ++i)
      if (daprd.argv[i] == flag && daprd.argv[i + 1] == value) return true;
    return false;
  };
  EXPECT_TRUE(has("--app-id", "course-agent"));
  EXPECT_TRUE(has("--app-port", std::to_string(pod->app_port)));
  EXPECT_TRUE(has("--dapr-http-port", std::to_string(pod->dapr_http_port)));
  EXPECT_TRUE(has("--metrics-port", std::to_string(pod->metrics_port)));
  EXPECT_TRUE(has("--config", "/state/dapr/config/learnflow-config.yaml"));
  EXPECT_TRUE(has("--resources-path", "/state/dapr/resources"));
  EXPECT_EQ(daprd.readiness->http_get->path, "/v1.0/healthz");
  EXPECT_EQ(daprd.readiness->period_seconds, 6);
  std::map<std::string, std::string> daprd_env(daprd.env.begin(), daprd.env.end());
  EXPECT_EQ(daprd_env["LEARNFLOW_STATE_DIR"], "/state");
}

TEST(PrometheusConfig, JobsFileSdAndRules) {
  PrometheusConfigInput in{"/s/targets", "127.0.0.1:7000", {"/s/rules/a.yaml"}, 5};
  Diagnostics diags;
  auto docs = yaml::load_string(prometheus_config_yaml(in), "prometheus.yml", diags);
  ASSERT_EQ(docs.size(), 1u) << prometheus_config_yaml(in);
  const auto root = docs[0].root;
  EXPECT_EQ(root["global"]["scrape_interval"].as<std::string>(), "5s");
  EXPECT_EQ(root["rule_files"][0].as<std::string>(), "/s/rules/a.yaml");
  std::map<std::string, YAML::Node> jobs;
  for (const auto& job : root["scrape_configs"]) jobs.emplace(job["job_name"].as<std::string>(), static_cast<const YAML::Node&>(job));
  ASSERT_EQ(jobs.size(), 5u);
  EXPECT_EQ(jobs["dapr-sidecars"]["file_sd_configs"][0]["files"][0].as<std::string>(), "/s/targets/dapr-sidecars.json");
  EXPECT_EQ(jobs["learnflow-apps"]["file_sd_configs"][0]["files"][0].as<std::string>(), "/s/targets/learnflow-apps.json");
  EXPECT_EQ(jobs["kubelet"]["metrics_path"].as<std::string>(), "/metrics/cadvisor");
  EXPECT_TRUE(jobs["kube-state-metrics"]["honor_labels"].as<bool>());
  EXPECT_EQ(jobs["kube-state-metrics"]["static_configs"][0]["targets"][0].as<std::string>(), "127.0.0.1:7000");

  auto sd = nlohmann::json::parse(file_sd_json({{"127.0.0.1:9", {{"pod", "p"}, {"app.kubernetes.io/part-of", "learnflow"}}}}));
  ASSERT_EQ(sd.size(), 1u);
  EXPECT_EQ(sd[0]["targets"][0], "127.0.0.1:9");
  EXPECT_EQ(sd[0]["labels"]["pod"], "p");
  EXPECT_EQ(sd[0]["labels"]["app_kubernetes_io_part_of"], "learnflow");

  auto rule_docs = yaml::load_string(R"(apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: r}
spec:
  groups:
  - name: g
    rules:
    - record: x
      expr: sum(up)
)", "rule.yaml", diags);
  auto rules = prometheus_rule_file(rule_docs[0]);
  ASSERT_TRUE(rules);
  auto parsed = yaml::load_string(*rules, "rules", diags);
  EXPECT_EQ(parsed[0].root["groups"][0]["rules"][0]["expr"].as<std::string>(), "sum(up)");
}

TEST(Snapshot, StatusJsonContractAndKubeStateMetricNames) {
  ClusterSnapshot s;
  s.node = "laptop";
  s.services = {{"learnflow-frontend", "http://127.0.0.1:8080", 8080}};
  PodView pod;
  pod.name = "web-abc-xyz12";
  pod.deployment = "web";
  pod.app_id = "web";
  pod.namespace_name = "default";
  pod.node = "laptop";
  pod.ready = true;
  pod.app_port = 1;
  pod.dapr_http_port = 2;
  pod.metrics_port = 3;
  ContainerView app;
  app.status.name = "web";
  app.status.pid = 100;
  app.status.cpu_seconds = 1.5;
  app.cpu_request_milli = 200;
  ContainerView daprd;
  daprd.status.name = "daprd";
  daprd.status.pid = 101;
  daprd.cpu_request_milli = 100;
  pod.containers = {app, daprd};
  s.pods = {pod};
  s.deployments = {{"web", "default", 1, 1, 1}};
  s.infrastructure = {{"kafka", "127.0.0.1:9092", "", 7, true}, {"prometheus", "", "http://127.0.0.1:9090", 8, true}};
  auto j = snapshot_to_json(s);
  EXPECT_EQ(j["services"][0]["url"], "http://127.0.0.1:8080");
  const auto& p = j["pods"][0];
  for (const char* key : {"name", "deployment", "app_id", "ready", "restarts", "pid", "sidecar_pid", "app_port",
                          "dapr_http_port", "metrics_port"})
    EXPECT_TRUE(p.contains(key)) << key;
  EXPECT_EQ(p["pid"], 100);
  EXPECT_EQ(p["sidecar_pid"], 101);
  EXPECT_EQ(j["deployments"][0]["ready_replicas"], 1);
  EXPECT_EQ(j["infrastructure"][0]["address"], "127.0.0.1:9092");
  EXPECT_EQ(j["infrastructure"][1]["url"], "http://127.0.0.1:9090");

  const std::string ksm = render_kube_state_metrics(s);
  EXPECT_NE(ksm.find("kube_deployment_spec_replicas{namespace=\"default\",deployment=\"web\"} 1"), std::string::npos) << ksm;
  EXPECT_NE(ksm.find("kube_pod_status_ready{namespace=\"default\",pod=\"web-abc-xyz12\",uid=\"web-abc-xyz12\",condition=\"true\"} 1"), std::string::npos);
  EXPECT_NE(ksm.find("node=\"laptop\""), std::string::npos);
  EXPECT_NE(ksm.find("container=\"daprd\",node=\"laptop\",resource=\"cpu\",unit=\"core\"} 0.1"), std::string::npos) << ksm;
  const std::string cadvisor = render_cadvisor_metrics(s);
  EXPECT_NE(cadvisor.find("container_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-abc-xyz12\",container=\"web\""), std::string::npos) << cadvisor;
  EXPECT_NE(cadvisor.find("container_memory_working_set_bytes"), std::string::npos);
}

}  // namespace
}  // namespace lf::platform
