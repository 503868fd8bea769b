#include "services/common/json_api.hpp"

#include "core/strings.hpp"
#include "http/url.hpp"

namespace lf::services {

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // continuation byte
  return std::string(text.substr(0, end));
}

http::Response json_response(int status, const Json& body) {
  return http::Response::json(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

http::Response field_error_response(const FieldError& error) {
  return json_response(400, Json{{"error", "invalid_field"}, {"field", error.field}, {"message", error.message}});
}

http::Response invalid_json_response(std::string_view message) {
  return json_response(400, Json{{"error", "invalid_json"}, {"message", message}});
}

http::Response route_not_found(std::string_view method, std::string_view path) {
  return json_response(404, Json{{"error", "not_found"},
                                 {"message", "no route for " + std::string(method) + " " + std::string(path)}});
}

http::Response method_not_allowed(std::string_view method, std::string_view path, std::string_view allowed) {
  auto response = json_response(
      405, Json{{"error", "method_not_allowed"},
                {"message", std::string(method) + " is not allowed on " + std::string(path) + "; use " +
                                std::string(allowed)}});
  response.headers.set("Allow", std::string(allowed));
  return response;
}

http::Response error_json(int status, std::string_view error, std::string_view message) {
  return json_response(status, Json{{"error", error}, {"message", message}});
}

http::Response status_json(int status, std::string_view status_text, std::string_view reason) {
  Json body{{"status", status_text}};
  if (!reason.empty()) body["reason"] = reason;
  return json_response(status, body);
}

http::Response unavailable_response(std::string_view code, std::string_view message) {
  return json_response(503, Json{{"error", code}, {"message", message}});
}

Expected<Json, http::Response> parse_json_object(std::string_view body) {
  if (body.empty()) return unexpected(invalid_json_response("request body is empty; send a JSON object"));
  auto parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return unexpected(invalid_json_response("request body is not valid JSON"));
  if (!parsed.is_object()) return unexpected(invalid_json_response("request body must be a JSON object"));
  return parsed;
}

Expected<std::string, FieldError> required_string(const Json& object, const std::string& field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return unexpected(FieldError{field, field + " is required"});
  if (!it->is_string()) return unexpected(FieldError{field, field + " must be a string"});
  auto value = it->get<std::string>();
  if (value.empty()) return unexpected(FieldError{field, field + " must not be empty"});
  return value;
}

Expected<long long, FieldError> required_integer(const Json& object, const std::string& field, long long min,
                                                 long long max) {
  auto range = std::to_string(min) + ".." + std::to_string(max);
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return unexpected(FieldError{field, field + " is required"});
  bool integral = it->is_number_integer() || (it->is_number_float() && it->get<double>() == static_cast<double>(static_cast<long long>(it->get<double>())));
  if (!integral) return unexpected(FieldError{field, field + " must be an integer in " + range});
  long long value = it->is_number_float() ? static_cast<long long>(it->get<double>()) : it->get<long long>();
  if (it->is_number_unsigned() && it->get<unsigned long long>() > static_cast<unsigned long long>(max))
    return unexpected(FieldError{field, field + " must be an integer in " + range});
  if (value < min || value > max) return unexpected(FieldError{field, field + " must be an integer in " + range});
  return value;
}

Expected<std::string, FieldError> required_enum(const Json& object, const std::string& field,
                                                const std::vector<std::string>& allowed) {
  auto value = required_string(object, field);
  if (!value) return value;
  for (const auto& candidate : allowed)
    if (*value == candidate) return value;
  return unexpected(FieldError{field, field + " must be one of " + join(allowed, ", ")});
}

std::optional<FieldError> reject_unknown_fields(const Json& object, const std::vector<std::string>& known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const auto& name : known) found = found || name == key;
    if (!found) return FieldError{key, "unknown field " + key + "; expected " + join(known, ", ")};
  }
  return std::nullopt;
}

std::optional<FieldError> check_identifier(const std::string& field, const std::string& value) {
  if (value.empty() || value.size() > 64)
    return FieldError{field, field + " must be 1 to 64 characters of A-Z a-z 0-9 _ . @ -"};
  for (unsigned char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '@' || c == '-';
    if (!ok) return FieldError{field, field + " must be 1 to 64 characters of A-Z a-z 0-9 _ . @ -"};
  }
  return std::nullopt;
}

std::optional<std::string> query_param(const http::Request& request, std::string_view name) {
  for (auto& [key, value] : http::url::parse_query(request.query))
    if (key == name) return value;
  return std::nullopt;
}

Expected<std::string, FieldError> user_id_query(const http::Request& request) {
  auto user_id = query_param(request, "user_id");
  if (!user_id || user_id->empty()) return unexpected(FieldError{"user_id", "user_id query parameter is required"});
  if (auto bad = check_identifier("user_id", *user_id)) return unexpected(*bad);
  return *user_id;
}

}  // namespace lf::services
