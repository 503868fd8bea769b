#pragma once
// JSON request/response helpers shared by the three services: strict field validation with a
// 400 that names the bad field, and the JSON bodies of 404/405/503 answers.
// Build JSON in plain functions like these, not inside coroutines: g++ 12 miscompiles
// initializer lists (Json{{"k", v}}) that live in a coroutine's co_return/co_await expressions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/expected.hpp"
#include "http/message.hpp"

namespace lf::services {

using Json = nlohmann::json;

// A client mistake: which field and why. Renders as
// 400 {"error":"invalid_field","field":"<field>","message":"<message>"}.
struct FieldError {
  std::string field;
  std::string message;
};

http::Response json_response(int status, const Json& body);
http::Response field_error_response(const FieldError& error);
// 400 {"error":"invalid_json","message":...} for a body that is not one JSON object.
http::Response invalid_json_response(std::string_view message);
http::Response route_not_found(std::string_view method, std::string_view path);
http::Response method_not_allowed(std::string_view method, std::string_view path, std::string_view allowed);
// {"error":"<error>","message":"<message>"} with the given status.
http::Response error_json(int status, std::string_view error, std::string_view message);
// {"status":"<status>"} plus "reason" when given (probes).
http::Response status_json(int status, std::string_view status_text, std::string_view reason = {});
// 503 {"error":"<code>","message":...}: a dependency (sidecar, state store, other service) failed.
http::Response unavailable_response(std::string_view code, std::string_view message);

// Parses the body as one JSON object; never throws.
Expected<Json, http::Response> parse_json_object(std::string_view body);

// Field readers: absent, wrong type, or out of range all produce a FieldError naming the field.
Expected<std::string, FieldError> required_string(const Json& object, const std::string& field);
Expected<long long, FieldError> required_integer(const Json& object, const std::string& field, long long min,
                                                 long long max);
Expected<std::string, FieldError> required_enum(const Json& object, const std::string& field,
                                                const std::vector<std::string>& allowed);
// Rejects members not in `known` so typos ("userId") are reported instead of silently ignored.
std::optional<FieldError> reject_unknown_fields(const Json& object, const std::vector<std::string>& known);

// Identifiers (user ids, lesson ids) end up inside state-store keys: 1..64 of [A-Za-z0-9_.@-].
std::optional<FieldError> check_identifier(const std::string& field, const std::string& value);

// First value of a query parameter, percent-decoded.
std::optional<std::string> query_param(const http::Request& request, std::string_view name);
// The user_id query parameter, validated like the body field.
Expected<std::string, FieldError> user_id_query(const http::Request& request);

// At most max_bytes of text, never cutting a UTF-8 sequence in half (JSON output must stay valid).
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace lf::services
