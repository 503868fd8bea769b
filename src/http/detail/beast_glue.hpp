#pragma once
// PRIVATE to src/http: the only header that pulls in Beast. Never include it from a public header.
#include <optional>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.hpp"
#include "http/parser.hpp"

namespace lf::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;
using RequestParser = bhttp::request_parser<bhttp::string_body>;
using ResponseParser = bhttp::response_parser<bhttp::string_body>;

// Boost 1.74's Beast uses boost::string_view; these convert without copying.
inline beast::string_view to_beast(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }

// The one request-parser configuration shared by the server and parse_request.
void configure_request_parser(RequestParser& parser, const Limits& limits);

// Maps a Beast parse error to our typed error; nullopt when `ec` is not a parse error
// (end of stream, timeout, cancellation).
std::optional<ParseError> classify_parse_error(const beast::error_code& ec);

// Moves a parsed request into our type (the body is moved, not copied).
Request to_request(BeastRequest&& request);
Response to_response(BeastResponse&& response);

// Builds the wire response: framing headers (Content-Length, Connection) are ours, the handler's are dropped.
// For HEAD the handler may set Content-Length with an empty body (a proxied HEAD answer).
BeastResponse to_beast_response(Response&& response, bool head_request, bool keep_alive, unsigned version);
// Builds the wire request with Host "host:port" unless the caller set one.
BeastRequest to_beast_request(Request&& request, std::string_view host_header);

}  // namespace lf::http::detail
