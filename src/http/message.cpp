#include "http/message.hpp"

#include <nlohmann/json.hpp>

namespace lf::http {

void Request::set_target(std::string raw_target) {
  target = std::move(raw_target);
  auto question = target.find('?');
  if (question == std::string::npos) {
    path = target;
    query.clear();
  } else {
    path = target.substr(0, question);
    query = target.substr(question + 1);
  }
}

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response Response::text(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

Response error_response(int status, std::string_view error_code, std::string_view message) {
  nlohmann::json body = {{"errorCode", error_code}, {"message", message}};
  // Replace invalid UTF-8 rather than throwing: messages may quote untrusted input.
  return Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace lf::http
