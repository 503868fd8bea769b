#include "resiliency/parse.hpp"

#include <algorithm>
#include <initializer_list>

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace lf::resiliency {
namespace {

using yaml::child;
using yaml::Document;
using yaml::kind_name;
using yaml::scalar;

constexpr const char* kDurationHint = "write a Go duration such as 500ms, 5s or 1m30s, or a bare number of milliseconds";

class Decoder {
 public:
  Decoder(const Document& doc, Diagnostics& diags) : doc_(doc), diags_(diags) {}

  std::optional<Resiliency> decode() {
    const std::size_t errors_before = diags_.error_count();
    const auto& root = doc_.root;
    if (!root.IsMap()) {
      diags_.error(doc_.where(root), "a Resiliency resource must be a mapping, got a " + kind_name(root),
                   "start the document with apiVersion: dapr.io/v1alpha1 and kind: Resiliency");
      return std::nullopt;
    }
    auto kind = yaml::scalar_at(root, "kind");
    if (!kind || *kind != "Resiliency") {
      diags_.error(doc_.key_where(root, "kind"),
                   kind ? "kind is \"" + *kind + "\", not Resiliency" : "the document has no kind",
                   "write kind: Resiliency");
      return std::nullopt;
    }
    auto api = yaml::scalar_at(root, "apiVersion");
    if (!api || *api != "dapr.io/v1alpha1")
      diags_.warning(doc_.key_where(root, "apiVersion"),
                     api ? "apiVersion \"" + *api + "\" is not dapr.io/v1alpha1" : "the document has no apiVersion",
                     "write apiVersion: dapr.io/v1alpha1");
    check_keys(root, "the document", {"apiVersion", "kind", "metadata", "spec", "scopes", "targets"});

    Resiliency out;
    out.file = doc_.file;
    auto metadata = child(root, "metadata");
    if (mapping(metadata, "metadata")) {
      out.name = yaml::scalar_at(metadata, "name").value_or("");
      out.namespace_name = yaml::scalar_at(metadata, "namespace").value_or("");
    }
    decode_scopes(child(root, "scopes"), out);
    if (child(root, "targets").IsDefined())
      diags_.warning(doc_.key_where(root, "targets"), "targets at the top level are ignored by Dapr",
                     "move targets under spec (spec.targets)");

    auto spec = child(root, "spec");
    if (!spec.IsDefined() || spec.IsNull()) {
      diags_.warning(doc_.key_where(root, "spec"), "the Resiliency has no spec, so it defines nothing",
                     "add spec.policies and spec.targets");
    } else if (mapping(spec, "spec")) {
      check_keys(spec, "spec", {"policies", "targets"});
      auto policies = child(spec, "policies");
      if (mapping(policies, "spec.policies")) {
        check_keys(policies, "spec.policies", {"timeouts", "retries", "circuitBreakers"});
        decode_timeouts(child(policies, "timeouts"), out);
        decode_retries(child(policies, "retries"), out);
        decode_breakers(child(policies, "circuitBreakers"), out);
      }
      auto targets = child(spec, "targets");
      if (mapping(targets, "spec.targets")) {
        check_keys(targets, "spec.targets", {"apps", "actors", "components"});
        decode_apps(child(targets, "apps"), out);
        decode_components(child(targets, "components"), out);
        decode_actors(child(targets, "actors"), out);
      }
    }
    if (diags_.error_count() > errors_before) return std::nullopt;
    return out;
  }

 private:
  // True for a mapping; null/absent count as an empty section (false, no error).
  bool mapping(const YAML::Node& node, const std::string& path) {
    if (!node.IsDefined() || node.IsNull()) return false;
    if (node.IsMap()) return true;
    diags_.error(doc_.where(node), path + " must be a mapping, got a " + kind_name(node),
                 "write " + path + " as key: value pairs");
    return false;
  }

  // Warns about keys Dapr ignores; `reported_elsewhere` are ignored keys with their own warning.
  void check_keys(const YAML::Node& map, const std::string& path, std::initializer_list<std::string_view> allowed,
                  std::initializer_list<std::string_view> reported_elsewhere = {}) {
    for (const auto& key : yaml::keys(map)) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      if (std::find(reported_elsewhere.begin(), reported_elsewhere.end(), key) != reported_elsewhere.end()) continue;
      diags_.warning(doc_.key_where(map, key), "unknown field \"" + key + "\" in " + path + " is ignored by Dapr",
                     "expected one of: " + join(allowed, ", "));
    }
  }

  std::optional<std::string> text(const YAML::Node& node, const std::string& path) {
    auto value = scalar(node);
    if (!value)
      diags_.error(doc_.where(node), path + " must be a single value, got a " + kind_name(node),
                   "write " + path + " as a plain value");
    return value;
  }

  std::optional<Duration> duration(const YAML::Node& node, const std::string& path) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    auto parsed = parse_dapr_duration(*value);
    if (!parsed) {
      diags_.error(doc_.where(node), path + ": " + parsed.error().message, kDurationHint);
      return std::nullopt;
    }
    if (*parsed < Duration::zero()) {
      diags_.error(doc_.where(node), path + " is negative (\"" + *value + "\")", kDurationHint);
      return std::nullopt;
    }
    return *parsed;
  }

  std::optional<long long> integer(const YAML::Node& node, const std::string& path, const std::string& hint) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    long long parsed = 0;
    if (!parse_int64(trim(*value), parsed)) {
      diags_.error(doc_.where(node), path + " must be an integer, got \"" + *value + "\"", hint);
      return std::nullopt;
    }
    return parsed;
  }

  // Iterates a name -> entry section, with the entry's dotted path.
  template <typename Fn>
  void for_each_entry(const YAML::Node& section, const std::string& path, Fn&& fn) {
    if (!mapping(section, path)) return;
    for (auto it = section.begin(); it != section.end(); ++it) {
      auto name = scalar(it->first);
      if (!name || name->empty()) {
        diags_.error(doc_.where(it->first), "an entry of " + path + " has no name", "write name: value");
        continue;
      }
      fn(*name, it->first, it->second, path + "." + *name);
    }
  }

  void decode_scopes(const YAML::Node& node, Resiliency& out) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
      diags_.error(doc_.where(node), "scopes must be a list of app ids, got a " + kind_name(node),
                   "write scopes: [app-id, ...]");
      return;
    }
    for (const auto& item : node)
      if (auto id = text(item, "scopes item")) out.scopes.push_back(*id);
  }

  void decode_timeouts(const YAML::Node& section, Resiliency& out) {
    for_each_entry(section, "spec.policies.timeouts", [&](const std::string& name, const auto&, const auto& value, const auto& path) {
      if (auto d = duration(value, path)) out.timeouts[name] = *d;
    });
  }

  void decode_retries(const YAML::Node& section, Resiliency& out) {
    for_each_entry(section, "spec.policies.retries", [&](const std::string& name, const auto& key, const auto& value,
                                                         const auto& path) {
      RetryPolicy policy;
      if (value.IsDefined() && !value.IsNull() && !mapping(value, path)) return;
      check_keys(value, path, {"policy", "duration", "maxInterval", "maxRetries", "matching"},
                 {"initialInterval", "multiplier", "randomizationFactor", "maxElapsedTime"});
      for (const char* fixed : {"initialInterval", "multiplier", "randomizationFactor", "maxElapsedTime"})
        if (child(value, fixed).IsDefined())
          diags_.warning(doc_.key_where(value, fixed), path + "." + fixed + " cannot be set in Dapr and is ignored",
                         "remove it; exponential back-off always starts at 500ms and grows by 1.5");
      if (auto kind_node = child(value, "policy"); kind_node.IsDefined()) {
        if (auto kind = text(kind_node, path + ".policy")) {
          if (iequals(*kind, "constant")) {
            policy.kind = BackoffKind::constant;
          } else if (iequals(*kind, "exponential")) {
            policy.kind = BackoffKind::exponential;
          } else {
            diags_.error(doc_.where(kind_node), path + ".policy \"" + *kind + "\" is not a retry policy",
                         "write policy: constant or policy: exponential");
          }
        }
      }
      if (auto node = child(value, "duration"); node.IsDefined()) {
        if (auto d = duration(node, path + ".duration")) policy.duration = *d;
        if (policy.kind == BackoffKind::exponential)
          diags_.warning(doc_.key_where(value, "duration"), path + ".duration is ignored by exponential retries",
                         "use maxInterval to bound exponential back-off, or policy: constant");
      }
      if (auto node = child(value, "maxInterval"); node.IsDefined()) {
        if (auto d = duration(node, path + ".maxInterval")) policy.max_interval = *d;
        if (policy.kind == BackoffKind::constant)
          diags_.warning(doc_.key_where(value, "maxInterval"), path + ".maxInterval is ignored by constant retries",
                         "use duration for constant retries, or policy: exponential");
      }
      if (auto node = child(value, "maxRetries"); node.IsDefined()) {
        if (auto n = integer(node, path + ".maxRetries", "write -1 for unlimited, 0 for none, or a retry count")) {
          policy.max_retries = *n;
          if (*n < -1)
            diags_.warning(doc_.where(node), path + ".maxRetries " + std::to_string(*n) + " means unlimited retries",
                           "write -1 for unlimited retries");
        }
      }
      decode_matching(child(value, "matching"), path + ".matching", policy);
      if (policy.max_retries < 3 && (name == "DaprBuiltInServiceRetries" || name == "DaprBuiltInActorRetries" ||
                                     name == "DaprBuiltInInitializationRetries"))
        diags_.warning(child(value, "maxRetries").IsDefined() ? doc_.where(child(value, "maxRetries")) : doc_.where(key),
                       path + " overrides a built-in retry with maxRetries " + std::to_string(policy.max_retries) +
                           ", which Dapr raises to 3",
                       "set maxRetries to 3 or more");
      out.retries[name] = policy;
    });
  }

  void decode_matching(const YAML::Node& node, const std::string& path, RetryPolicy& policy) {
    if (!mapping(node, path)) return;
    check_keys(node, path, {"httpStatusCodes", "gRPCStatusCodes"});
    struct Field {
      const char* key;
      int min, max;
      std::optional<StatusCodeSet>* target;
    };
    for (const Field& f : {Field{"httpStatusCodes", 100, 599, &policy.http_status_codes},
                           Field{"gRPCStatusCodes", 0, 16, &policy.grpc_status_codes}}) {
      auto value_node = child(node, f.key);
      if (!value_node.IsDefined() || value_node.IsNull()) continue;
      auto value = text(value_node, path + "." + f.key);
      if (!value) continue;
      auto set = parse_status_codes(*value, f.min, f.max);
      if (!set) {
        diags_.error(doc_.where(value_node), path + "." + f.key + ": " + set.error().message,
                     "write codes and ranges between " + std::to_string(f.min) + " and " + std::to_string(f.max) +
                         (f.min == 100 ? ", e.g. \"429,500-504\"" : ", e.g. \"2,4,14\""));
        continue;
      }
      *f.target = std::move(*set);
    }
  }

  void decode_breakers(const YAML::Node& section, Resiliency& out) {
    for_each_entry(section, "spec.policies.circuitBreakers", [&](const std::string& name, const auto&, const auto& value,
                                                                 const auto& path) {
      CircuitBreakerPolicy policy;
      if (value.IsDefined() && !value.IsNull() && !mapping(value, path)) return;
      check_keys(value, path, {"maxRequests", "interval", "timeout", "trip"});
      if (auto node = child(value, "maxRequests"); node.IsDefined()) {
        const std::string hint = "write a count of requests half-open admits, e.g. maxRequests: 1";
        if (auto n = integer(node, path + ".maxRequests", hint)) {
          if (*n < 0 || *n > 4294967295LL)
            diags_.error(doc_.where(node), path + ".maxRequests " + std::to_string(*n) + " is out of range", hint);
          else
            policy.max_requests = static_cast<std::uint32_t>(*n);
        }
      }
      if (auto node = child(value, "interval"); node.IsDefined())
        if (auto d = duration(node, path + ".interval")) policy.interval = *d;
      if (auto node = child(value, "timeout"); node.IsDefined())
        if (auto d = duration(node, path + ".timeout")) policy.timeout = *d;
      if (auto node = child(value, "trip"); node.IsDefined()) {
        if (auto expr = text(node, path + ".trip")) {
          auto compiled = TripExpression::compile(*expr);
          if (compiled)
            policy.trip = std::move(*compiled);
          else
            diags_.error(doc_.where(node), path + ".trip \"" + *expr + "\": " + compiled.error().message,
                         compiled.error().hint);
        }
      }
      out.circuit_breakers[name] = std::move(policy);
    });
  }

  PolicyNames decode_policy_names(const YAML::Node& node, const std::string& path, const Resiliency& out) {
    PolicyNames names;
    struct Field {
      const char* key;
      const char* section;
      std::string* target;
      bool defined_in_resource;
    };
    auto name_of = [&](const char* key) {
      auto n = child(node, key);
      return n.IsDefined() ? scalar(n).value_or("") : std::string();
    };
    names.timeout = name_of("timeout");
    names.retry = name_of("retry");
    names.circuit_breaker = name_of("circuitBreaker");
    for (const Field& f :
         {Field{"timeout", "timeouts", &names.timeout, out.timeouts.count(names.timeout) > 0},
          Field{"retry", "retries", &names.retry,
                out.retries.count(names.retry) > 0 || starts_with(names.retry, "DaprBuiltIn")},
          Field{"circuitBreaker", "circuitBreakers", &names.circuit_breaker,
                out.circuit_breakers.count(names.circuit_breaker) > 0}}) {
      auto n = child(node, f.key);
      if (!n.IsDefined() || n.IsNull()) continue;
      if (!scalar(n)) {
        diags_.error(doc_.where(n), path + "." + f.key + " must be a policy name, got a " + kind_name(n),
                     std::string("write the name of a policy under spec.policies.") + f.section);
        continue;
      }
      if (!f.target->empty() && !f.defined_in_resource)
        diags_.warning(doc_.where(n),
                       path + "." + f.key + " names \"" + *f.target + "\", which is not defined in spec.policies." +
                           f.section + " of this resource",
                       std::string("define it under spec.policies.") + f.section + " or fix the name");
    }
    return names;
  }

  void decode_apps(const YAML::Node& section, Resiliency& out) {
    for_each_entry(section, "spec.targets.apps", [&](const std::string& name, const auto&, const auto& value, const auto& path) {
      AppTarget target;
      if (value.IsDefined() && !value.IsNull() && !mapping(value, path)) return;
      check_keys(value, path, {"timeout", "retry", "circuitBreaker", "circuitBreakerCacheSize"});
      target.policies = decode_policy_names(value, path, out);
      if (auto node = child(value, "circuitBreakerCacheSize"); node.IsDefined())
        if (auto n = integer(node, path + ".circuitBreakerCacheSize", "write a count of breakers to keep, e.g. 100"))
          target.circuit_breaker_cache_size = *n > 0 && *n <= 1'000'000 ? static_cast<int>(*n) : 100;
      out.apps[name] = target;
    });
  }

  void decode_components(const YAML::Node& section, Resiliency& out) {
    for_each_entry(section, "spec.targets.components", [&](const std::string& name, const auto&, const auto& value,
                                                           const auto& path) {
      ComponentTarget target;
      if (value.IsDefined() && !value.IsNull() && !mapping(value, path)) return;
      check_keys(value, path, {"inbound", "outbound"});
      for (const char* dir : {"inbound", "outbound"}) {
        auto node = child(value, dir);
        const std::string dir_path = path + "." + dir;
        if (!node.IsDefined() || (!node.IsNull() && !mapping(node, dir_path))) continue;
        check_keys(node, dir_path, {"timeout", "retry", "circuitBreaker"});
        (std::string_view(dir) == "inbound" ? target.inbound : target.outbound) =
            decode_policy_names(node, dir_path, out);
      }
      if (!target.inbound && !target.outbound)
        diags_.warning(doc_.where(value), path + " has neither inbound nor outbound policies",
                       "add outbound: {retry: ...} for calls to the component, inbound: for deliveries to the app");
      out.components[name] = target;
    });
  }

  void decode_actors(const YAML::Node& section, Resiliency& out) {
    for_each_entry(section, "spec.targets.actors", [&](const std::string& name, const auto& key, const auto&, const auto& path) {
      out.actors.push_back(name);
      diags_.warning(doc_.where(key), path + ": actor targets are not supported by LearnFlow and are ignored",
                     "remove the actors target; LearnFlow has no actor runtime");
    });
  }

  const Document& doc_;
  Diagnostics& diags_;
};

}  // namespace

bool StatusCodeSet::contains(int code) const {
  return std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return code >= r.first && code <= r.last; });
}

bool Resiliency::applies_to(const std::string& app_id) const {
  return scopes.empty() || std::find(scopes.begin(), scopes.end(), app_id) != scopes.end();
}

Result<StatusCodeSet> parse_status_codes(std::string_view text, int min_code, int max_code) {
  StatusCodeSet set;
  auto code = [&](std::string_view item, int& out) -> Status {
    long long value = 0;
    if (!parse_int64(trim(item), value)) return fail("\"" + std::string(trim(item)) + "\" is not a status code");
    if (value < min_code || value > max_code)
      return fail("status code " + std::to_string(value) + " is outside " + std::to_string(min_code) + "-" +
                  std::to_string(max_code));
    out = static_cast<int>(value);
    return {};
  };
  for (auto item : split(text, ',')) {
    item = trim(item);
    if (item.empty()) return fail("empty item in \"" + std::string(text) + "\"");
    StatusCodeRange range;
    auto dash = item.find('-', 1);
    if (dash == std::string_view::npos) {
      if (auto ok = code(item, range.first); !ok) return unexpected(ok.error());
      range.last = range.first;
    } else {
      if (auto ok = code(item.substr(0, dash), range.first); !ok) return unexpected(ok.error());
      if (auto ok = code(item.substr(dash + 1), range.last); !ok) return unexpected(ok.error());
      if (range.first > range.last) return fail("range \"" + std::string(item) + "\" ends before it starts");
    }
    set.ranges.push_back(range);
  }
  return set;
}

std::optional<Resiliency> parse_resource(const lf::yaml::Document& doc, lf::Diagnostics& diags) {
  try {
    return Decoder(doc, diags).decode();
  } catch (const std::exception& e) {
    // yaml-cpp may throw on exotic node graphs; untrusted input must never escape as an exception.
    diags.error(doc.where(doc.root), std::string("cannot decode the Resiliency: ") + e.what(),
                "check the document's structure");
    return std::nullopt;
  }
}

}  // namespace lf::resiliency
