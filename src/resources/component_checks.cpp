// Per-type validation of Component metadata: what Dapr's components-contrib decoders require,
// reject or silently ignore (dapr.md §5, §2 "Received examples").
#include <algorithm>
#include <initializer_list>

#include "core/duration.hpp"
#include "core/strings.hpp"
#include "resources/component.hpp"

namespace lf::resources {
namespace {

enum class ValueKind { text, boolean, integer, duration };

struct FieldSpec {
  std::string_view name;
  ValueKind kind = ValueKind::text;
};

// Metadata every component of a category accepts (Dapr's generic pubsub / state options).
constexpr FieldSpec kPubsubCommon[] = {{"publishingScopes"}, {"subscriptionScopes"}, {"allowedTopics"},
                                       {"protectedTopics"}};
constexpr FieldSpec kStateCommon[] = {{"keyPrefix"}, {"actorStateStore", ValueKind::boolean}};

constexpr FieldSpec kKafkaFields[] = {
    {"brokers"}, {"consumerGroup"}, {"consumerID"}, {"clientID"}, {"authType"}, {"authRequired", ValueKind::boolean},
    {"saslUsername"}, {"saslPassword"}, {"saslMechanism"}, {"initialOffset"}, {"maxMessageBytes", ValueKind::integer},
    {"consumeRetryEnabled", ValueKind::boolean}, {"consumeRetryInterval", ValueKind::duration}, {"version"},
    {"caCert"}, {"clientCert"}, {"clientKey"}, {"skipVerify", ValueKind::boolean}, {"disableTls", ValueKind::boolean},
    {"oidcTokenEndpoint"}, {"oidcClientID"}, {"oidcClientSecret"}, {"oidcScopes"}, {"oidcExtensions"},
    {"oidcClientAssertionCert"}, {"oidcClientAssertionKey"}, {"oidcResource"}, {"oidcAudience"}, {"awsRegion"},
    {"awsAccessKey"}, {"awsSecretKey"}, {"awsSessionToken"}, {"awsIamRoleArn"}, {"awsStsSessionName"},
    {"schemaRegistryURL"}, {"schemaRegistryAPIKey"}, {"schemaRegistryAPISecret"},
    {"schemaCachingEnabled", ValueKind::boolean}, {"schemaLatestVersionCacheTTL", ValueKind::duration},
    {"heartbeatInterval", ValueKind::duration}, {"sessionTimeout", ValueKind::duration},
    {"escapeHeaders", ValueKind::boolean}, {"compression"}, {"excludeHeaderMetaRegex"},
    {"channelBufferSize", ValueKind::integer}, {"consumerFetchMin", ValueKind::integer},
    {"consumerFetchDefault", ValueKind::integer}, {"clientConnectionTopicMetadataRefreshInterval", ValueKind::duration},
    {"clientConnectionKeepAliveInterval", ValueKind::duration}, {"backOffPolicy"},
    {"backOffDuration", ValueKind::duration}, {"backOffMaxRetries", ValueKind::integer},
    {"backOffInitialInterval", ValueKind::duration}, {"backOffRandomizationFactor"}, {"backOffMultiplier"},
    {"backOffMaxInterval", ValueKind::duration}, {"backOffMaxElapsedTime", ValueKind::duration},
    {"producerRequiredAcks"}, {"producerRetryMax", ValueKind::integer}, {"dialTimeout", ValueKind::duration},
    {"readTimeout", ValueKind::duration}, {"writeTimeout", ValueKind::duration}};

constexpr FieldSpec kSqliteFields[] = {
    {"connectionString"}, {"tableName"}, {"metadataTableName"}, {"timeout", ValueKind::duration},
    {"timeoutInSeconds", ValueKind::integer}, {"busyTimeout", ValueKind::duration}, {"disableWAL", ValueKind::boolean},
    {"cleanupInterval", ValueKind::duration}};

constexpr FieldSpec kPostgresFields[] = {
    {"connectionString"}, {"host"}, {"port", ValueKind::integer}, {"database"}, {"user"}, {"password"},
    {"sslRootCert"}, {"tableName"}, {"metadataTableName"}, {"timeout", ValueKind::duration},
    {"timeoutInSeconds", ValueKind::integer}, {"cleanupInterval", ValueKind::duration},
    {"cleanupIntervalInSeconds", ValueKind::integer}, {"maxConns", ValueKind::integer},
    {"connectionMaxIdleTime", ValueKind::duration}, {"queryExecMode"}, {"useAzureAD", ValueKind::boolean},
    {"useAWSIAM", ValueKind::boolean}, {"awsRegion"}, {"awsAccessKey"}, {"awsSecretKey"}, {"awsSessionToken"},
    {"azureClientId"}, {"azureClientSecret"}, {"azureTenantId"}};

template <std::size_t N>
const FieldSpec* find_field(const FieldSpec (&table)[N], std::string_view name) {
  for (const auto& f : table)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

bool valid_value(ValueKind kind, std::string_view text) {
  long long number = 0;
  switch (kind) {
    case ValueKind::text:
      return true;
    case ValueKind::boolean:
      return iequals(text, "true") || iequals(text, "false") || text == "1" || text == "0";
    case ValueKind::integer:
      return parse_int64(trim(text), number);
    case ValueKind::duration:  // kit's decoder: Go syntax, or a bare integer
      return parse_int64(trim(text), number) || parse_go_duration(trim(text)).has_value();
  }
  return true;
}

std::string_view kind_text(ValueKind kind) {
  switch (kind) {
    case ValueKind::boolean: return "\"true\" or \"false\"";
    case ValueKind::integer: return "an integer";
    case ValueKind::duration: return "a duration such as 5s";
    case ValueKind::text: break;
  }
  return "a string";
}

// Checks every entry against the type's known fields: wrong value formats are errors (the
// component fails init), unknown names are warnings (Dapr ignores them).
template <std::size_t N, std::size_t M>
void check_known_fields(const Component& c, FieldReader& reader, const FieldSpec (&type_fields)[N],
                        const FieldSpec (&common)[M], std::initializer_list<std::string_view> reported_elsewhere) {
  for (const auto& e : c.entries) {
    if (std::any_of(reported_elsewhere.begin(), reported_elsewhere.end(),
                    [&](std::string_view n) { return iequals(n, e.name); }))
      continue;
    const FieldSpec* spec = find_field(type_fields, e.name);
    if (!spec) spec = find_field(common, e.name);
    if (!spec) {
      reader.warning(e.where, "metadata " + e.name + " is not a " + c.type + " field; Dapr ignores it");
      continue;
    }
    if (!e.secret_key_ref && !valid_value(spec->kind, e.value))
      reader.error(e.where, "metadata " + e.name + " must be " + std::string(kind_text(spec->kind)) + ", got \"" +
                                e.value + "\"");
  }
}

bool has(const Component& c, std::string_view name) { return c.entry(name) != nullptr; }

SourceLocation entries_where(FieldReader& reader) {
  auto spec = yaml::child(reader.doc().root, "spec");
  return yaml::child(spec, "metadata").IsDefined() ? reader.key_at(spec, "metadata") : reader.key_at(spec, "type");
}

void check_actor_state_store(const Component& c, FieldReader& reader) {
  if (const auto* e = c.entry("actorStateStore"); e && iequals(e->value, "true"))
    reader.warning(e->where, "actorStateStore is ignored: the LearnFlow sidecar has no actor runtime",
                   "remove actorStateStore");
}

void check_kafka(const Component& c, FieldReader& reader) {
  check_known_fields(c, reader, kKafkaFields, kPubsubCommon, {"authRequired"});
  if (!has(c, "brokers"))
    reader.error(entries_where(reader), "pubsub.kafka requires metadata brokers",
                 "add - name: brokers, value: \"host:9092\"");
  const auto* auth_type = c.entry("authType");
  const auto* auth_required = c.entry("authRequired");
  if (auth_required) {
    if (auth_type) {
      reader.warning(auth_required->where, "authRequired is deprecated and ignored because authType is set",
                     "remove authRequired");
    } else if (iequals(auth_required->value, "false")) {
      reader.warning(auth_required->where,
                     "authRequired is deprecated: Dapr maps authRequired: \"false\" to authType: none (which also "
                     "turns TLS off) and logs a warning",
                     "write - name: authType, value: \"none\"");
    } else {
      reader.warning(auth_required->where,
                     "authRequired is deprecated: Dapr maps authRequired: \"" + auth_required->value +
                         "\" to authType: password (SASL with saslUsername/saslPassword)",
                     "write - name: authType, value: \"password\"");
    }
  } else if (!auth_type) {
    reader.error(entries_where(reader), "pubsub.kafka requires metadata authType; without it the component "
                 "fails to initialize",
                 "add - name: authType, value: \"none\"; other types: password, mtls, certificate, oidc, oidc_private_key_jwt, awsiam");
  }
  if (auth_type && !auth_type->secret_key_ref) {
    static constexpr std::string_view kAuthTypes[] = {"none", "password", "mtls", "certificate",
                                                      "oidc", "oidc_private_key_jwt", "awsiam"};
    auto value = auth_type->value;
    if (std::find(std::begin(kAuthTypes), std::end(kAuthTypes), value) == std::end(kAuthTypes)) {
      reader.error(auth_type->where, "authType \"" + value + "\" is not a Kafka auth type",
                   "use none, password, mtls, certificate, oidc, oidc_private_key_jwt or awsiam");
    } else if (value == "password") {
      for (auto needed : {"saslUsername", "saslPassword"})
        if (!has(c, needed))
          reader.error(auth_type->where, std::string("authType password requires metadata ") + needed);
    }
  }
  if (const auto* offset = c.entry("initialOffset");
      offset && !offset->secret_key_ref && !iequals(offset->value, "newest") && !iequals(offset->value, "oldest"))
    reader.error(offset->where, "initialOffset must be newest or oldest, got \"" + offset->value + "\"");
}

void check_sqlite_state(const Component& c, FieldReader& reader) {
  check_known_fields(c, reader, kSqliteFields, kStateCommon, {});
  if (!has(c, "connectionString"))
    reader.error(entries_where(reader), "state.sqlite requires metadata connectionString",
                 "add - name: connectionString, value: \"data.db\": a file path, a file: URI or :memory:");
  check_actor_state_store(c, reader);
}

void check_postgres_state(const Component& c, FieldReader& reader) {
  check_known_fields(c, reader, kPostgresFields, kStateCommon, {"table", "schema"});
  for (auto field : {"table", "schema"}) {
    if (const auto* e = c.entry(field))
      reader.warning(e->where,
                     "metadata " + e->name + " is not a state.postgresql field; Dapr ignores it and keeps the table "
                     "\"state\"",
                     "use tableName, which may be schema.table, e.g. public.dapr_state_store");
  }
  if (!has(c, "connectionString") && !has(c, "host"))
    reader.error(entries_where(reader), "state.postgresql requires metadata connectionString",
                 "add - name: connectionString, value: \"host=... user=... password=... port=5432 database=...\"");
  check_actor_state_store(c, reader);
}

}  // namespace

void check_component_metadata(const Component& component, FieldReader& reader) {
  if (component.type == "pubsub.kafka") check_kafka(component, reader);
  else if (component.type == "state.sqlite") check_sqlite_state(component, reader);
  else if (component.type == "state.postgresql") check_postgres_state(component, reader);
}

}  // namespace lf::resources
