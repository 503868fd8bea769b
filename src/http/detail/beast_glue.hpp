#pragma once
// PRIVATE to src/http: the only header that pulls in Beast. Never include it from a public header.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
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

// Feeds the bytes already in `buffer` to a parser that has its header. A 1 KiB message arrives in
// one recv with its header, and Beast's async_read would then only parse it, yet still complete
// through a post: one more trip through the reactor per message. Leaves `ec` set on a parse error;
// the caller reads on with async_read only when the parser still needs bytes.
template <class Parser, class Buffer>
void parse_buffered_body(Parser& parser, Buffer& buffer, beast::error_code& ec) {
  while (!parser.is_done() && buffer.size() > 0) {
    auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      return;
    }
    if (ec || used == 0) return;
  }
}

// A message ready for the socket: start line and header fields serialized into one string, the
// body beside it, so one gathered write sends both. Beast's serializer walks a many-piece buffer
// sequence per field and was a tenth of a proxied request's instructions; the bytes written are
// the same as Beast's except that repeated fields keep their order among the others (Beast moves
// a repeat next to its first occurrence).
struct WireMessage {
  std::string head;
  std::string body;
  std::array<boost::asio::const_buffer, 2> buffers() const {
    return {boost::asio::buffer(head), boost::asio::buffer(body)};
  }
};

// Framing headers (Content-Length, Transfer-Encoding, Connection) are ours, the handler's are
// dropped. For HEAD the handler may set Content-Length with an empty body (a proxied HEAD
// answer). Throws std::invalid_argument for a status outside 100-999, as Beast did.
WireMessage wire_response(Response&& response, bool head_request, bool keep_alive, unsigned version);
// HTTP/1.1 request with Host "host:port" unless the caller set one.
WireMessage wire_request(Request&& request, std::string_view host_header);

}  // namespace lf::http::detail
