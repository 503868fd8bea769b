#pragma once
// Dapr `Configuration` resources (dapr.io/v1alpha1), the sections the LearnFlow sidecar reads.
// Defaults are Dapr's (dapr.md §2); a field that is absent keeps its default here.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/diagnostics.hpp"
#include "resources/fields.hpp"
#include "yaml/yaml.hpp"

namespace lf::resources {

struct ZipkinTracing {
  std::string endpoint_address;  // v2 JSON endpoint, e.g. http://zipkin:9411/api/v2/spans
};

struct OtelTracing {
  std::string endpoint_address;  // host:port
  std::string protocol = "grpc";  // grpc | http
  bool is_secure = true;
  std::vector<std::string> headers;  // "k=v"
  std::optional<Duration> timeout;
};

struct Tracing {
  double sampling_rate = 0.0001;  // unset in Dapr = 0.0001; "0" disables tracing
  bool stdout_exporter = false;
  std::optional<ZipkinTracing> zipkin;
  std::optional<OtelTracing> otel;
};

struct MetricLabelRule {
  std::string name;
  std::map<std::string, std::string> regex;  // replacement -> regular expression
};

struct MetricRule {
  std::string name;
  std::vector<MetricLabelRule> labels;
};

struct Metrics {
  bool enabled = true;
  std::vector<MetricRule> rules;
  std::vector<long long> latency_buckets_ms;  // empty = Dapr's default buckets
  bool http_increased_cardinality = true;
  std::vector<std::string> http_path_matching;
  bool http_exclude_verbs = false;
  bool record_error_codes = false;
};

struct AccessOperation {
  std::string name;  // path, `*` wildcard
  std::vector<std::string> http_verbs;
  std::string action;  // allow | deny
};

struct AccessPolicy {
  std::string app_id;
  std::string default_action;
  std::string trust_domain;
  std::string namespace_name;
  std::vector<AccessOperation> operations;
};

struct AccessControl {
  std::string default_action = "deny";  // a block without defaultAction denies (unless policies: [])
  std::string trust_domain = "public";
  std::vector<AccessPolicy> policies;
};

struct PipelineHandler {
  std::string name;
  std::string type;  // middleware.http.<x>
  std::string version;
};

// Dapr's `sqlite` name resolver settings (contrib nameresolution/sqlite).
struct SqliteNameResolution {
  std::string connection_string;
  Duration update_interval = std::chrono::seconds(5);  // heartbeat
  Duration timeout = std::chrono::seconds(1);          // per database operation
  std::string table_name = "hosts";
  std::string metadata_table_name = "metadata";
  Duration cleanup_interval = std::chrono::hours(1);
  std::optional<Duration> busy_timeout;  // unset = the resolver's own default
  bool disable_wal = false;
};

struct NameResolution {
  std::string component = "mdns";
  std::string version;
  std::map<std::string, std::string> configuration;  // scalar values as written
  std::optional<SqliteNameResolution> sqlite;         // set when component == "sqlite" and valid
};

struct Feature {
  std::string name;
  bool enabled = false;
};

struct SecretScope {
  std::string store_name;
  std::string default_access = "allow";
  std::vector<std::string> allowed_secrets;
  std::vector<std::string> denied_secrets;
};

struct Configuration {
  ObjectMeta metadata;
  Tracing tracing;
  Metrics metrics;
  std::optional<AccessControl> access_control;  // nullopt = every call allowed
  std::vector<PipelineHandler> http_pipeline;
  std::vector<PipelineHandler> app_http_pipeline;
  NameResolution name_resolution;
  std::vector<Feature> features;
  std::vector<SecretScope> secret_scopes;

  bool feature_enabled(const std::string& name) const;
};

std::optional<Configuration> parse_configuration(const yaml::Document& doc, Diagnostics& diags);

}  // namespace lf::resources
