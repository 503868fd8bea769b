#include "http/detail/beast_glue.hpp"

#include <boost/beast/http/error.hpp>

#include "core/strings.hpp"

namespace lf::http::detail {
namespace {

// Framing is decided by us, never copied from a handler or a forwarded request.
bool is_framing_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

Headers to_headers(const bhttp::fields& fields) {
  Headers headers;
  headers.reserve(static_cast<std::size_t>(std::distance(fields.begin(), fields.end())));
  for (const auto& field : fields) headers.add(std::string(field.name_string()), std::string(field.value()));
  return headers;
}

void copy_headers(const Headers& from, bhttp::fields& to) {
  for (const auto& header : from) {
    if (!is_framing_header(header.name)) to.insert(header.name, header.value);
  }
}

bool status_has_no_body(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

}  // namespace

void configure_request_parser(RequestParser& parser, const Limits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.header_limit, UINT32_MAX)));
  parser.body_limit(limits.body_limit);
  // Not eager: Beast 1.74 drops a header-time error (Content-Length over body_limit) when an eager
  // parser continues into body bytes in the same buffer. Callers parse the header first, then the body.
  parser.eager(false);
}

std::optional<ParseError> classify_parse_error(const beast::error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return std::nullopt;
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::end_of_stream:
      return std::nullopt;
    case bhttp::error::partial_message:
    case bhttp::error::need_more:
      return ParseError{ParseError::Kind::incomplete, "incomplete request"};
    case bhttp::error::header_limit:
      return ParseError{ParseError::Kind::headers_too_large, "request headers exceed the limit"};
    case bhttp::error::body_limit:
      return ParseError{ParseError::Kind::body_too_large, "request body exceeds the limit"};
    default:
      return ParseError{ParseError::Kind::malformed, "malformed request: " + ec.message()};
  }
}

Request to_request(BeastRequest&& request) {
  Request out;
  out.method = std::string(request.method_string());
  out.set_target(std::string(request.target()));
  out.headers = to_headers(request);
  out.body = std::move(request.body());
  return out;
}

Response to_response(BeastResponse&& response) {
  Response out;
  out.status = static_cast<int>(response.result_int());
  out.headers = to_headers(response);
  out.body = std::move(response.body());
  return out;
}

BeastResponse to_beast_response(Response&& response, bool head_request, bool keep_alive, unsigned version) {
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  copy_headers(response.headers, out);
  if (!status_has_no_body(response.status)) {
    auto declared = response.headers.get("content-length");
    if (head_request && response.body.empty() && declared) {
      out.set(bhttp::field::content_length, to_beast(*declared));
    } else {
      out.content_length(response.body.size());
    }
  }
  if (!head_request && !status_has_no_body(response.status)) out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  return out;
}

BeastRequest to_beast_request(Request&& request, std::string_view host_header) {
  BeastRequest out;
  out.version(11);
  out.method_string(request.method);
  if (request.target.empty()) {
    request.target = request.path.empty() ? "/" : request.path;
    if (!request.query.empty()) request.target += "?" + request.query;
  }
  out.target(request.target);
  copy_headers(request.headers, out);
  if (!request.headers.contains("host")) out.set(bhttp::field::host, to_beast(host_header));
  bool body_expected = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                       request.method == "PATCH";
  if (body_expected) out.content_length(request.body.size());
  out.body() = std::move(request.body);
  out.keep_alive(true);
  return out;
}

}  // namespace lf::http::detail
