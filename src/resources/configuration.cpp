#include "resources/configuration.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/duration.hpp"
#include "core/strings.hpp"
#include "resources/component.hpp"

namespace lf::resources {

bool Configuration::feature_enabled(const std::string& name) const {
  return std::any_of(features.begin(), features.end(), [&](const Feature& f) { return f.name == name && f.enabled; });
}

namespace {

constexpr const char* kIgnored = "Dapr ignores it";

bool parse_rate(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end && *end == '\0' && out >= 0.0 && out <= 1.0;
}

void parse_tracing(Configuration& config, const YAML::Node& node, FieldReader& reader) {
  const std::string path = "spec.tracing";
  reader.unknown_keys(node, {"samplingRate", "stdout", "zipkin", "otel"}, path, kIgnored);
  if (auto rate = reader.string(node, "samplingRate", path + ".samplingRate")) {
    // Dapr declares samplingRate as a string; an unquoted number is a YAML number, not a string.
    if (yaml::child(node, "samplingRate").Tag() == "?")
      reader.warning(reader.value_at(node, "samplingRate"), path + ".samplingRate is a string field in Dapr",
                     "quote it: samplingRate: \"" + *rate + "\"");
    if (!parse_rate(*rate, config.tracing.sampling_rate))
      reader.error(reader.value_at(node, "samplingRate"),
                   path + ".samplingRate must be a number from 0 to 1, got \"" + *rate + "\"",
                   "write samplingRate: \"1\" to trace every request, \"0\" to disable tracing");
  }
  config.tracing.stdout_exporter = reader.boolean(node, "stdout", path + ".stdout").value_or(false);
  bool has_exporter = yaml::child(node, "zipkin").IsDefined() || yaml::child(node, "otel").IsDefined();
  if (has_exporter && !yaml::child(node, "samplingRate").IsDefined())
    reader.warning(reader.key_at(yaml::child(reader.doc().root, "spec"), "tracing"),
                   "spec.tracing has an exporter but no samplingRate: Dapr then samples 1 request in 10,000",
                   "set samplingRate: \"1\" to trace every request");
  if (auto zipkin = reader.mapping(node, "zipkin", path + ".zipkin"); zipkin.IsDefined()) {
    reader.unknown_keys(zipkin, {"endpointAddress"}, path + ".zipkin", kIgnored);
    ZipkinTracing z;
    z.endpoint_address = reader.string(zipkin, "endpointAddress", path + ".zipkin.endpointAddress").value_or("");
    if (z.endpoint_address.empty()) {
      reader.require(zipkin, "endpointAddress", path + ".zipkin.endpointAddress",
                     "e.g. http://zipkin:9411/api/v2/spans");
    } else if (z.endpoint_address.find("/api/v1/spans") != std::string::npos) {
      reader.warning(reader.value_at(zipkin, "endpointAddress"),
                     "Zipkin endpoint uses /api/v1/spans but Dapr sends Zipkin v2 JSON",
                     "use the v2 endpoint: .../api/v2/spans");
    }
    config.tracing.zipkin = z;
  }
  if (auto otel = reader.mapping(node, "otel", path + ".otel"); otel.IsDefined()) {
    const std::string p = path + ".otel";
    reader.unknown_keys(otel, {"endpointAddress", "protocol", "isSecure", "headers", "timeout"}, p, kIgnored);
    OtelTracing o;
    o.endpoint_address = reader.string(otel, "endpointAddress", p + ".endpointAddress").value_or("");
    if (o.endpoint_address.empty()) reader.require(otel, "endpointAddress", p + ".endpointAddress", "host:port");
    o.protocol = reader.string(otel, "protocol", p + ".protocol").value_or("grpc");
    if (o.protocol != "grpc" && o.protocol != "http")
      reader.error(reader.value_at(otel, "protocol"), p + ".protocol must be grpc or http: daprd does not start");
    o.is_secure = reader.boolean(otel, "isSecure", p + ".isSecure").value_or(true);
    auto headers = yaml::child(otel, "headers");
    if (headers.IsSequence()) o.headers = reader.string_list(otel, "headers", p + ".headers");
    else if (auto text = reader.string(otel, "headers", p + ".headers"))
      for (auto part : split(*text, ',')) o.headers.emplace_back(trim(part));
    o.timeout = reader.duration(otel, "timeout", p + ".timeout");
    config.tracing.otel = o;
  }
}

void parse_metrics(Configuration& config, const YAML::Node& node, const std::string& path, FieldReader& reader) {
  reader.unknown_keys(node, {"enabled", "rules", "latencyDistributionBuckets", "http", "recordErrorCodes"}, path,
                      kIgnored);
  Metrics m;
  m.enabled = reader.boolean(node, "enabled", path + ".enabled").value_or(true);
  m.record_error_codes = reader.boolean(node, "recordErrorCodes", path + ".recordErrorCodes").value_or(false);
  if (auto rules = reader.sequence(node, "rules", path + ".rules"); rules.IsDefined()) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const std::string p = index_path(path + ".rules", i);
      MetricRule rule;
      rule.name = reader.string(rules[i], "name", p + ".name").value_or("");
      if (rule.name.empty()) reader.require(rules[i], "name", p + ".name");
      if (auto labels = reader.sequence(rules[i], "labels", p + ".labels"); labels.IsDefined()) {
        for (std::size_t j = 0; j < labels.size(); ++j) {
          const std::string lp = index_path(p + ".labels", j);
          MetricLabelRule label;
          label.name = reader.string(labels[j], "name", lp + ".name").value_or("");
          label.regex = reader.string_map(labels[j], "regex", lp + ".regex");
          rule.labels.push_back(std::move(label));
        }
      }
      m.rules.push_back(std::move(rule));
    }
  }
  if (auto buckets = reader.sequence(node, "latencyDistributionBuckets", path + ".latencyDistributionBuckets");
      buckets.IsDefined()) {
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      long long value = 0;
      auto text = yaml::scalar(buckets[i]);
      if (!text || !parse_int64(*text, value) || value <= 0)
        reader.error(reader.at(buckets[i]), path + ".latencyDistributionBuckets must be positive integers (ms)");
      else
        m.latency_buckets_ms.push_back(value);
    }
  }
  if (auto http = reader.mapping(node, "http", path + ".http"); http.IsDefined()) {
    reader.unknown_keys(http, {"increasedCardinality", "pathMatching", "excludeVerbs"}, path + ".http", kIgnored);
    m.http_increased_cardinality =
        reader.boolean(http, "increasedCardinality", path + ".http.increasedCardinality").value_or(true);
    m.http_path_matching = reader.string_list(http, "pathMatching", path + ".http.pathMatching");
    m.http_exclude_verbs = reader.boolean(http, "excludeVerbs", path + ".http.excludeVerbs").value_or(false);
  }
  config.metrics = std::move(m);
}

std::string parse_action(const YAML::Node& node, const std::string& path, FieldReader& reader,
                         const std::string& fallback) {
  auto action = reader.string(node, "action", path + ".action");
  if (!action) action = reader.string(node, "defaultAction", path + ".defaultAction");
  if (!action) return fallback;
  std::string lower = to_lower(*action);
  if (lower != "allow" && lower != "deny") {
    auto key = yaml::child(node, "action").IsDefined() ? "action" : "defaultAction";
    reader.error(reader.value_at(node, key), path + "." + key + " must be allow or deny, got \"" + *action + "\"");
    return fallback;
  }
  return lower;
}

void parse_access_control(Configuration& config, const YAML::Node& node, FieldReader& reader) {
  const std::string path = "spec.accessControl";
  reader.unknown_keys(node, {"defaultAction", "trustDomain", "policies"}, path, kIgnored);
  AccessControl ac;
  auto policies = reader.sequence(node, "policies", path + ".policies");
  // Dapr: a block without defaultAction denies every call, unless it has an empty policies list.
  std::string fallback = (policies.IsDefined() && policies.size() == 0) ? "allow" : "deny";
  ac.default_action = parse_action(node, path, reader, fallback);
  ac.trust_domain = reader.string(node, "trustDomain", path + ".trustDomain").value_or("public");
  for (std::size_t i = 0; policies.IsDefined() && i < policies.size(); ++i) {
    const std::string p = index_path(path + ".policies", i);
    const auto& item = policies[i];
    reader.unknown_keys(item, {"appId", "defaultAction", "trustDomain", "namespace", "operations"}, p, kIgnored);
    AccessPolicy policy;
    policy.app_id = reader.string(item, "appId", p + ".appId").value_or("");
    if (policy.app_id.empty()) reader.require(item, "appId", p + ".appId");
    policy.default_action = parse_action(item, p, reader, ac.default_action);
    policy.trust_domain = reader.string(item, "trustDomain", p + ".trustDomain").value_or("");
    if (policy.trust_domain.empty()) reader.require(item, "trustDomain", p + ".trustDomain", "e.g. public");
    policy.namespace_name = reader.string(item, "namespace", p + ".namespace").value_or("");
    if (policy.namespace_name.empty()) reader.require(item, "namespace", p + ".namespace", "e.g. default");
    if (auto ops = reader.sequence(item, "operations", p + ".operations"); ops.IsDefined()) {
      for (std::size_t j = 0; j < ops.size(); ++j) {
        const std::string op_path = index_path(p + ".operations", j);
        reader.unknown_keys(ops[j], {"name", "httpVerb", "action"}, op_path, kIgnored);
        AccessOperation op;
        op.name = reader.string(ops[j], "name", op_path + ".name").value_or("");
        if (op.name.empty()) reader.require(ops[j], "name", op_path + ".name", "a path such as /lessons/*");
        op.http_verbs = reader.string_list(ops[j], "httpVerb", op_path + ".httpVerb");
        op.action = parse_action(ops[j], op_path, reader, policy.default_action);
        policy.operations.push_back(std::move(op));
      }
    }
    ac.policies.push_back(std::move(policy));
  }
  config.access_control = std::move(ac);
}

std::vector<PipelineHandler> parse_pipeline(const YAML::Node& node, const std::string& path, FieldReader& reader) {
  std::vector<PipelineHandler> out;
  reader.unknown_keys(node, {"handlers"}, path, kIgnored);
  auto handlers = reader.sequence(node, "handlers", path + ".handlers");
  for (std::size_t i = 0; handlers.IsDefined() && i < handlers.size(); ++i) {
    const std::string p = index_path(path + ".handlers", i);
    PipelineHandler h;
    h.name = reader.string(handlers[i], "name", p + ".name").value_or("");
    h.type = reader.string(handlers[i], "type", p + ".type").value_or("");
    h.version = reader.string(handlers[i], "version", p + ".version").value_or("v1");
    auto where = reader.value_at(handlers[i], "type");
    bool registered = starts_with(h.type, "middleware.http.") &&
                      classify_component_type(h.type) == ComponentTypeStatus::real_unsupported;
    if (registered) {
      reader.warning(where, "HTTP middleware " + h.type + " is not run by the LearnFlow sidecar");
    } else {
      reader.warning(where, "handler type \"" + h.type + "\" is not a registered HTTP middleware: Dapr skips it "
                     "silently",
                     "retries and circuit breakers belong in a kind: Resiliency resource");
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::optional<Duration> nr_duration(const std::map<std::string, std::string>& values, const std::string& key,
                                    const YAML::Node& node, const std::string& path, FieldReader& reader) {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  long long seconds = 0;
  if (parse_int64(it->second, seconds)) return std::chrono::seconds(seconds);  // bare integers are seconds here
  auto parsed = parse_go_duration(it->second);
  if (!parsed) {
    reader.error(reader.value_at(node, key), path + "." + key + " is not a duration: \"" + it->second + "\"",
                 "write a Go duration such as 5s");
    return std::nullopt;
  }
  return *parsed;
}

void parse_sqlite_resolver(NameResolution& nr, const YAML::Node& node, const std::string& path, FieldReader& reader) {
  const auto& v = nr.configuration;
  reader.unknown_keys(node, {"connectionString", "updateInterval", "timeout", "tableName", "metadataTableName",
                             "cleanupInterval", "busyTimeout", "disableWAL"},
                      path, "the sqlite name resolver ignores it");
  SqliteNameResolution s;
  auto cs = v.find("connectionString");
  if (cs == v.end() || cs->second.empty()) {
    reader.error(node.IsDefined() ? reader.at(node) : reader.key_at(yaml::child(reader.doc().root, "spec"),
                                                                    "nameResolution"),
                 "the sqlite name resolver requires " + path + ".connectionString",
                 "a file path shared by every sidecar, e.g. .learnflow/nr.db");
    return;
  }
  s.connection_string = cs->second;
  if (auto d = nr_duration(v, "updateInterval", node, path, reader)) s.update_interval = *d;
  if (auto d = nr_duration(v, "timeout", node, path, reader)) s.timeout = *d;
  if (auto d = nr_duration(v, "cleanupInterval", node, path, reader)) s.cleanup_interval = *d;
  s.busy_timeout = nr_duration(v, "busyTimeout", node, path, reader);
  if (auto it = v.find("tableName"); it != v.end()) s.table_name = it->second;
  if (auto it = v.find("metadataTableName"); it != v.end()) s.metadata_table_name = it->second;
  if (auto it = v.find("disableWAL"); it != v.end()) s.disable_wal = iequals(it->second, "true");
  if (s.timeout < std::chrono::seconds(1)) {
    reader.error(reader.value_at(node, "timeout"), path + ".timeout must be at least 1s");
    return;
  }
  if (s.update_interval < s.timeout + std::chrono::seconds(1)) {
    reader.error(reader.value_at(node, "updateInterval"),
                 path + ".updateInterval must be at least 1s longer than timeout (" + format_go_duration(s.timeout) +
                     ")");
    return;
  }
  nr.sqlite = s;
}

void parse_name_resolution(Configuration& config, const YAML::Node& node, FieldReader& reader) {
  const std::string path = "spec.nameResolution";
  reader.unknown_keys(node, {"component", "version", "configuration"}, path, kIgnored);
  NameResolution& nr = config.name_resolution;
  nr.component = reader.string(node, "component", path + ".component").value_or("mdns");
  nr.version = reader.string(node, "version", path + ".version").value_or("v1");
  auto conf = reader.mapping(node, "configuration", path + ".configuration");
  for (const auto& key : yaml::keys(conf)) {
    if (auto value = yaml::scalar_at(conf, key)) nr.configuration[key] = *value;
  }
  if (nr.component == "sqlite") {
    parse_sqlite_resolver(nr, conf, path + ".configuration", reader);
  } else {
    reader.warning(reader.value_at(node, "component"),
                   "name resolver \"" + nr.component + "\" is not supported by the LearnFlow sidecar",
                   "use component: sqlite with configuration.connectionString");
  }
}

void parse_features(Configuration& config, const YAML::Node& node, FieldReader& reader) {
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string p = index_path("spec.features", i);
    Feature f;
    f.name = reader.string(node[i], "name", p + ".name").value_or("");
    f.enabled = reader.boolean(node[i], "enabled", p + ".enabled").value_or(false);
    if (f.name == "AppHealthCheck")
      reader.warning(reader.value_at(node[i], "name"),
                     "feature AppHealthCheck was removed in Dapr 1.11 and has no effect",
                     "use the pod annotation dapr.io/enable-app-health-check: \"true\", i.e. daprd "
                     "--enable-app-health-check");
    config.features.push_back(std::move(f));
  }
}

void parse_secrets(Configuration& config, const YAML::Node& node, FieldReader& reader) {
  reader.unknown_keys(node, {"scopes"}, "spec.secrets", kIgnored);
  auto scopes = reader.sequence(node, "scopes", "spec.secrets.scopes");
  for (std::size_t i = 0; scopes.IsDefined() && i < scopes.size(); ++i) {
    const std::string p = index_path("spec.secrets.scopes", i);
    SecretScope s;
    s.store_name = reader.string(scopes[i], "storeName", p + ".storeName").value_or("");
    if (s.store_name.empty()) reader.require(scopes[i], "storeName", p + ".storeName");
    if (auto access = reader.string(scopes[i], "defaultAccess", p + ".defaultAccess")) {
      if (*access != "allow" && *access != "deny")
        reader.error(reader.value_at(scopes[i], "defaultAccess"),
                     p + ".defaultAccess \"" + *access + "\" is invalid: daprd fails with \"error loading "
                     "configuration\" and does not start",
                     "write defaultAccess: allow or defaultAccess: deny");
      else
        s.default_access = *access;
    }
    s.allowed_secrets = reader.string_list(scopes[i], "allowedSecrets", p + ".allowedSecrets");
    s.denied_secrets = reader.string_list(scopes[i], "deniedSecrets", p + ".deniedSecrets");
    config.secret_scopes.push_back(std::move(s));
  }
}

}  // namespace

std::optional<Configuration> parse_configuration(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  Configuration config;
  config.metadata = reader.object_meta(doc.root);
  auto spec = reader.mapping(doc.root, "spec", "spec");
  if (!spec.IsDefined()) return config;  // an empty Configuration is valid: every default
  reader.unknown_keys(spec, {"tracing", "metric", "metrics", "accessControl", "httpPipeline", "appHttpPipeline",
                             "nameResolution", "features", "secrets", "mtls", "api", "components", "logging", "wasm",
                             "workflow"},
                      "spec", kIgnored);
  if (auto n = reader.mapping(spec, "tracing", "spec.tracing"); n.IsDefined()) parse_tracing(config, n, reader);
  auto metric = reader.mapping(spec, "metric", "spec.metric");
  auto metrics = reader.mapping(spec, "metrics", "spec.metrics");
  if (metric.IsDefined() && metrics.IsDefined())
    reader.warning(reader.key_at(spec, "metric"), "spec.metric is ignored because spec.metrics is also set");
  if (metrics.IsDefined()) parse_metrics(config, metrics, "spec.metrics", reader);
  else if (metric.IsDefined()) parse_metrics(config, metric, "spec.metric", reader);
  if (auto n = reader.mapping(spec, "accessControl", "spec.accessControl"); n.IsDefined())
    parse_access_control(config, n, reader);
  if (auto n = reader.mapping(spec, "httpPipeline", "spec.httpPipeline"); n.IsDefined())
    config.http_pipeline = parse_pipeline(n, "spec.httpPipeline", reader);
  if (auto n = reader.mapping(spec, "appHttpPipeline", "spec.appHttpPipeline"); n.IsDefined())
    config.app_http_pipeline = parse_pipeline(n, "spec.appHttpPipeline", reader);
  if (auto n = reader.mapping(spec, "nameResolution", "spec.nameResolution"); n.IsDefined())
    parse_name_resolution(config, n, reader);
  if (auto n = reader.sequence(spec, "features", "spec.features"); n.IsDefined()) parse_features(config, n, reader);
  if (auto n = reader.mapping(spec, "secrets", "spec.secrets"); n.IsDefined()) parse_secrets(config, n, reader);
  return config;
}

}  // namespace lf::resources
