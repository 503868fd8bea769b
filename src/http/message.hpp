#pragma once
// Our own HTTP message types: public headers never expose Beast (it is slow to compile).
#include <string>
#include <string_view>

#include "http/headers.hpp"

namespace lf::http {

struct Request {
  std::string method = "GET";
  // Raw request-target as received (path plus "?query"); what a proxy forwards unchanged.
  std::string target;
  // Raw (still percent-encoded) path part of target; url::percent_decode it when needed.
  std::string path;
  // Raw query string without the '?'; url::parse_query splits it.
  std::string query;
  Headers headers;
  std::string body;
  // "ip:port" of the peer (server side only).
  std::string remote_address;

  // Sets target, path and query together from a raw target such as "/a/b?x=1".
  void set_target(std::string raw_target);
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // A response with Content-Type application/json.
  static Response json(int status, std::string body);
  // A response with Content-Type text/plain; charset=utf-8.
  static Response text(int status, std::string body);
};

// Dapr's error body {"errorCode":"...","message":"..."} with Content-Type application/json.
Response error_response(int status, std::string_view error_code, std::string_view message);

// Error codes this library produces itself (the server answers them before any handler runs).
namespace error_codes {
inline constexpr std::string_view malformed_request = "ERR_MALFORMED_REQUEST";   // 400
inline constexpr std::string_view request_too_large = "ERR_REQUEST_TOO_LARGE";   // 413 body over body_limit
inline constexpr std::string_view headers_too_large = "ERR_HEADERS_TOO_LARGE";   // 431 header over header_limit
inline constexpr std::string_view internal = "ERR_INTERNAL";                     // 500 handler threw
}  // namespace error_codes

// 1xx, 204 and 304 answers never carry a body, whatever their framing fields say (RFC 9112 6.3).
inline bool status_has_no_body(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

// Standard reason phrase ("Not Found"); "Unknown" for unregistered codes.
std::string_view reason_phrase(int status);

}  // namespace lf::http
