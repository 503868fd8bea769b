#include "http/parser.hpp"

#include "http/message_parser.hpp"

namespace lf::http {

int ParseError::status() const {
  switch (kind) {
    case Kind::body_too_large: return 413;
    case Kind::headers_too_large: return 431;
    case Kind::malformed:
    case Kind::incomplete: return 400;
  }
  return 400;
}

std::string_view ParseError::error_code() const {
  switch (kind) {
    case Kind::body_too_large: return error_codes::request_too_large;
    case Kind::headers_too_large: return error_codes::headers_too_large;
    case Kind::malformed:
    case Kind::incomplete: return error_codes::malformed_request;
  }
  return error_codes::malformed_request;
}

Response to_error_response(const ParseError& error) {
  return error_response(error.status(), error.error_code(), error.message);
}

Expected<Request, ParseError> parse_request(std::string_view bytes, const Limits& limits) {
  MessageParser parser(MessageKind::request, limits);
  parser.feed(bytes);
  // Input exhausted: a request cannot end at end-of-stream, so an unfinished one is incomplete.
  if (!parser.done()) parser.feed_eof();
  if (auto error = parser.error()) return unexpected(std::move(*error));
  return parser.take_request();
}

}  // namespace lf::http
