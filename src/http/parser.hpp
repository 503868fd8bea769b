#pragma once
// Parses one HTTP/1.1 request from bytes with exactly the parser configuration the server uses,
// so fuzzing parse_request exercises the server's real parsing path.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "http/message.hpp"

namespace lf::http {

struct Limits {
  std::size_t body_limit = 4 * 1024 * 1024;  // Dapr's --max-body-size default (4Mi)
  std::size_t header_limit = 16 * 1024;      // request line plus all header fields
};

struct ParseError {
  enum class Kind {
    malformed,          // 400 ERR_MALFORMED_REQUEST
    incomplete,         // 400: the bytes ended before the message did
    body_too_large,     // 413 ERR_REQUEST_TOO_LARGE
    headers_too_large,  // 431 ERR_HEADERS_TOO_LARGE
  };
  Kind kind = Kind::malformed;
  std::string message;

  int status() const;
  std::string_view error_code() const;
};

// The JSON error response the server sends for a parse error.
Response to_error_response(const ParseError& error);

// Parses the first request in `bytes`; trailing bytes (a pipelined request) are ignored.
Expected<Request, ParseError> parse_request(std::string_view bytes, const Limits& limits = {});

}  // namespace lf::http
