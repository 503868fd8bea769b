#include "http/parser.hpp"

#include <boost/asio/buffer.hpp>

#include "http/detail/beast_glue.hpp"

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
  detail::RequestParser parser;
  detail::configure_request_parser(parser, limits);
  detail::beast::error_code ec;
  for (;;) {
    std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (parser.is_done()) break;
    // Header parsed without error: the body may now be consumed in one go (see configure_request_parser).
    if (!ec && parser.is_header_done()) parser.eager(true);
    if (ec == detail::bhttp::error::need_more || (!ec && used == 0)) {
      ec = {};
      if (used > 0 && !bytes.empty()) continue;
      if (!parser.got_some()) return unexpected(ParseError{ParseError::Kind::incomplete, "empty request"});
      // Input exhausted: a request cannot end at end-of-stream, so this is an incomplete message.
      parser.put_eof(ec);
      if (!ec && parser.is_done()) break;
      if (!ec) ec = detail::bhttp::error::partial_message;
    }
    if (ec) {
      auto error = detail::classify_parse_error(ec);
      return unexpected(error.value_or(ParseError{ParseError::Kind::incomplete, "incomplete request"}));
    }
  }
  return detail::to_request(parser.release());
}

}  // namespace lf::http
