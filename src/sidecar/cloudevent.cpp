#include "sidecar/cloudevent.hpp"

#include <ctime>

#include "core/strings.hpp"
#include "core/uuid.hpp"

namespace lf::sidecar {
namespace {

bool is_json_content_type(std::string_view ct) {
  auto base = to_lower(trim(ct.substr(0, ct.find(';'))));
  return base == "application/json" || (base.size() > 5 && base.ends_with("+json") && base != "application/cloudevents+json");
}

bool is_cloudevent_content_type(std::string_view ct) {
  return to_lower(trim(ct.substr(0, ct.find(';')))) == "application/cloudevents+json";
}

std::string metadata_or(const std::map<std::string, std::string>& md, const std::string& key, std::string fallback) {
  auto it = md.find(key);
  return it == md.end() ? std::move(fallback) : it->second;
}

void set_trace_fields(OrderedJson& ev, const PublishInput& in, bool only_if_missing) {
  std::string traceparent = in.trace ? in.trace->traceparent() : std::string();
  std::string tracestate = in.trace ? in.trace->tracestate : std::string();
  traceparent = metadata_or(in.metadata, "cloudevent.traceparent", metadata_or(in.metadata, "cloudevent.traceid", traceparent));
  tracestate = metadata_or(in.metadata, "cloudevent.tracestate", tracestate);
  auto put = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (!only_if_missing || !ev.contains(key)) ev[key] = value;
  };
  put("traceid", traceparent);
  put("traceparent", traceparent);
  put("tracestate", tracestate);
}

std::optional<WallTime> expiration_from_ttl(const PublishInput& in) {
  auto it = in.metadata.find("ttlInSeconds");
  if (it == in.metadata.end()) return std::nullopt;
  long long seconds = 0;
  if (!parse_int64(it->second, seconds) || seconds < 0) return std::nullopt;
  return in.now + std::chrono::seconds(seconds);
}

}  // namespace

bool is_raw_payload(const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find("rawPayload");
  return it != metadata.end() && iequals(it->second, "true");
}

Expected<std::string, EnvelopeError> build_publish_payload(const PublishInput& in, const std::string& event_id) {
  if (is_raw_payload(in.metadata)) return in.body;
  const auto& md = in.metadata;
  std::optional<WallTime> expiration = expiration_from_ttl(in);

  if (is_cloudevent_content_type(in.content_type)) {
    // The app sent its own CloudEvent: keep it, fill what Dapr fills.
    OrderedJson ev = OrderedJson::parse(in.body, nullptr, false);
    if (ev.is_discarded() || !ev.is_object())
      return unexpected(EnvelopeError{"the body is not a JSON object, as Content-Type application/cloudevents+json requires"});
    ev["topic"] = in.topic;
    ev["pubsubname"] = in.pubsub_name;
    if (!ev.contains("source")) ev["source"] = "Dapr";
    if (!ev.contains("type")) ev["type"] = "com.dapr.event.sent";
    if (!ev.contains("specversion")) ev["specversion"] = "1.0";
    if (!ev.contains("time")) ev["time"] = format_rfc3339_seconds(in.now);
    set_trace_fields(ev, in, true);
    if (expiration && !ev.contains("expiration")) ev["expiration"] = format_rfc3339_seconds(*expiration);
    return ev.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  }

  std::string content_type = in.content_type.empty() ? "text/plain" : in.content_type;
  OrderedJson ev;
  ev["id"] = metadata_or(md, "cloudevent.id", event_id);
  ev["source"] = metadata_or(md, "cloudevent.source", in.app_id);
  ev["type"] = metadata_or(md, "cloudevent.type", "com.dapr.event.sent");
  ev["specversion"] = "1.0";
  ev["datacontenttype"] = content_type;
  if (is_json_content_type(content_type)) {
    OrderedJson data = OrderedJson::parse(in.body, nullptr, false);
    if (data.is_discarded()) return unexpected(EnvelopeError{"the body is not valid JSON, as its Content-Type " + content_type + " says"});
    ev["data"] = std::move(data);
  } else if (to_lower(content_type) == "application/octet-stream") {
    ev["data_base64"] = base64_encode(in.body);
  } else {
    ev["data"] = in.body;
  }
  ev["topic"] = in.topic;
  ev["pubsubname"] = in.pubsub_name;
  set_trace_fields(ev, in, false);
  ev["time"] = format_rfc3339_seconds(in.now);
  if (auto s = md.find("cloudevent.subject"); s != md.end()) ev["subject"] = s->second;
  if (expiration) ev["expiration"] = format_rfc3339_seconds(*expiration);
  return ev.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

Expected<DeliveredEvent, EnvelopeError> read_delivered_event(std::string_view payload, bool raw_payload,
                                                             const std::string& pubsub_name, const std::string& topic) {
  DeliveredEvent out;
  if (raw_payload) {
    out.id = uuid_v4();
    out.envelope["id"] = out.id;
    out.envelope["source"] = "Dapr";
    out.envelope["type"] = "com.dapr.event.sent";
    out.envelope["specversion"] = "1.0";
    out.envelope["datacontenttype"] = "application/octet-stream";
    out.envelope["data_base64"] = base64_encode(payload);
    out.envelope["topic"] = topic;
    out.envelope["pubsubname"] = pubsub_name;
    return out;
  }
  out.envelope = OrderedJson::parse(payload, nullptr, false);
  if (out.envelope.is_discarded() || !out.envelope.is_object())
    return unexpected(EnvelopeError{"the message is not a CloudEvent (not a JSON object)"});
  if (auto it = out.envelope.find("id"); it != out.envelope.end() && it->is_string()) out.id = it->get<std::string>();
  std::string traceparent, tracestate;
  if (auto it = out.envelope.find("traceparent"); it != out.envelope.end() && it->is_string()) traceparent = it->get<std::string>();
  else if (auto t = out.envelope.find("traceid"); t != out.envelope.end() && t->is_string()) traceparent = t->get<std::string>();
  if (auto it = out.envelope.find("tracestate"); it != out.envelope.end() && it->is_string()) tracestate = it->get<std::string>();
  if (!traceparent.empty()) out.trace = parse_traceparent(traceparent, tracestate);
  if (auto it = out.envelope.find("expiration"); it != out.envelope.end() && it->is_string())
    out.expiration = parse_rfc3339(it->get<std::string>());
  return out;
}

std::string format_rfc3339_seconds(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<WallTime> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  if (text.size() < 20) return std::nullopt;
  std::tm tm{};
  int offset_sign = 0, oh = 0, om = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6)
    return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.')
    while (++pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    }
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    offset_sign = 0;
  } else if ((s[pos] == '+' || s[pos] == '-') && std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) == 2) {
    offset_sign = s[pos] == '+' ? 1 : -1;
  } else {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm);
  if (t == -1) return std::nullopt;
  t -= offset_sign * (oh * 3600 + om * 60);
  return std::chrono::system_clock::from_time_t(t);
}

std::string base64_encode(std::string_view bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace lf::sidecar
