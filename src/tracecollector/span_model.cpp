#include "tracecollector/span_model.hpp"

#include <algorithm>
#include "core/strings.hpp"

namespace lf::tracecollector {

namespace {

using Json = nlohmann::json;

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}


// A hex id of one of `lengths` digits, lower-cased; an error message otherwise.
Result<std::string> hex_id(const Json& span, const char* field, std::initializer_list<std::size_t> lengths) {
  auto it = span.find(field);
  if (it == span.end() || !it->is_string()) return fail(std::string(field) + " must be a hex string");
  std::string value = to_lower(it->get_ref<const std::string&>());
  if (std::find(lengths.begin(), lengths.end(), value.size()) == lengths.end() || !is_lower_hex(value))
    return fail(std::string(field) + " must be " + (lengths.size() == 2 ? "16 or 32" : "16") + " hex digits");
  if (value.find_first_not_of('0') == std::string::npos) return fail(std::string(field) + " must not be all zeros");
  return value;
}

// Microsecond fields: Zipkin wants non-negative integers (JSON numbers).
Result<std::int64_t> optional_micros(const Json& span, const char* field) {
  auto it = span.find(field);
  if (it == span.end() || it->is_null()) return std::int64_t{0};
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return fail(std::string(field) + " is too large");
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) return it->get<std::int64_t>();
  return fail(std::string(field) + " must be a non-negative integer (microseconds)");
}

Result<Json> endpoint(const Json& span, const char* field) {
  auto it = span.find(field);
  if (it == span.end() || it->is_null()) return Json();
  if (!it->is_object()) return fail(std::string(field) + " must be an object");
  Json out = Json::object();
  for (const char* key : {"serviceName", "ipv4", "ipv6"}) {
    auto v = it->find(key);
    if (v == it->end() || v->is_null()) continue;
    if (!v->is_string()) return fail(std::string(field) + "." + key + " must be a string");
    out[key] = std::string(key) == "serviceName" ? to_lower(v->get_ref<const std::string&>()) : v->get<std::string>();
  }
  if (auto port = it->find("port"); port != it->end() && !port->is_null()) {
    if (!port->is_number_integer() || port->get<std::int64_t>() < 0 || port->get<std::int64_t>() > 65535)
      return fail(std::string(field) + ".port must be an integer from 0 to 65535");
    out["port"] = port->get<std::int64_t>();
  }
  return out;
}

Result<StoredSpan> validate(const Json& span) {
  if (!span.is_object()) return fail("a span must be a JSON object");
  StoredSpan out;
  Json normalized = Json::object();
  auto trace_id = hex_id(span, "traceId", {16, 32});
  if (!trace_id) return fail(trace_id.error().message);
  auto id = hex_id(span, "id", {16});
  if (!id) return fail(id.error().message);
  out.trace_id = *trace_id;
  out.id = *id;
  normalized["traceId"] = out.trace_id;
  normalized["id"] = out.id;
  if (auto p = span.find("parentId"); p != span.end() && !p->is_null()) {
    auto parent = hex_id(span, "parentId", {16});
    if (!parent) return fail(parent.error().message);
    out.parent_id = *parent;
    normalized["parentId"] = out.parent_id;
  }
  if (auto k = span.find("kind"); k != span.end() && !k->is_null()) {
    static const std::vector<std::string> kinds = {"CLIENT", "SERVER", "PRODUCER", "CONSUMER"};
    if (!k->is_string() || std::find(kinds.begin(), kinds.end(), k->get<std::string>()) == kinds.end())
      return fail("kind must be one of CLIENT, SERVER, PRODUCER, CONSUMER");
    normalized["kind"] = *k;
  }
  if (auto n = span.find("name"); n != span.end() && !n->is_null()) {
    if (!n->is_string()) return fail("name must be a string");
    normalized["name"] = to_lower(n->get_ref<const std::string&>());
  }
  auto timestamp = optional_micros(span, "timestamp");
  if (!timestamp) return fail(timestamp.error().message);
  auto duration = optional_micros(span, "duration");
  if (!duration) return fail(duration.error().message);
  out.timestamp_us = *timestamp;
  if (*timestamp > 0) normalized["timestamp"] = *timestamp;
  if (*duration > 0) normalized["duration"] = *duration;
  for (const char* field : {"localEndpoint", "remoteEndpoint"}) {
    auto e = endpoint(span, field);
    if (!e) return fail(e.error().message);
    if (e->is_object() && !e->empty()) normalized[field] = *e;
  }
  if (auto local = normalized.find("localEndpoint"); local != normalized.end() && local->contains("serviceName"))
    out.service_name = (*local)["serviceName"].get<std::string>();
  if (auto remote = normalized.find("remoteEndpoint"); remote != normalized.end() && remote->contains("serviceName"))
    out.remote_service_name = (*remote)["serviceName"].get<std::string>();
  if (auto a = span.find("annotations"); a != span.end() && !a->is_null()) {
    if (!a->is_array()) return fail("annotations must be an array");
    Json annotations = Json::array();
    for (const auto& annotation : *a) {
      if (!annotation.is_object() || !annotation.contains("value") || !annotation["value"].is_string())
        return fail("each annotation needs a string value");
      auto at = optional_micros(annotation, "timestamp");
      if (!at) return fail("annotations: " + at.error().message);
      annotations.push_back({{"timestamp", *at}, {"value", annotation["value"]}});
    }
    if (!annotations.empty()) normalized["annotations"] = std::move(annotations);
  }
  if (auto t = span.find("tags"); t != span.end() && !t->is_null()) {
    if (!t->is_object()) return fail("tags must be an object");
    Json tags = Json::object();
    for (auto tag = t->begin(); tag != t->end(); ++tag) {
      if (!tag->is_string()) return fail("tag " + tag.key() + " must have a string value");
      tags[tag.key()] = *tag;
    }
    if (!tags.empty()) normalized["tags"] = std::move(tags);
  }
  for (const char* flag : {"debug", "shared"}) {
    if (auto f = span.find(flag); f != span.end() && !f->is_null()) {
      if (!f->is_boolean()) return fail(std::string(flag) + " must be a boolean");
      if (f->get<bool>()) normalized[flag] = true;
    }
  }
  out.json = std::move(normalized);
  return out;
}

}  // namespace

Result<StoredSpan> span_from_json(const Json& span) { return validate(span); }

Result<std::vector<StoredSpan>> parse_span_batch(std::string_view body) {
  // Depth is bounded by the server's body limit; nlohmann parses recursively, so nesting is
  // refused up front to keep hostile input from exhausting the stack.
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > 16) return fail("JSON nested deeper than 16 levels");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return fail("the body is not valid JSON");
  if (!parsed.is_array()) return fail("expected a JSON array of Zipkin v2 spans");
  std::vector<StoredSpan> spans;
  spans.reserve(parsed.size());
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    auto span = validate(parsed[i]);
    if (!span) return fail("span " + std::to_string(i) + ": " + span.error().message);
    spans.push_back(std::move(*span));
  }
  return spans;
}

}  // namespace lf::tracecollector
