#pragma once
// PRIVATE to src/http: our HTTP/1.x serializer (WireMessage) and Beast string_view conversions.
// Never include it from a public header: it pulls in Beast.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>

#include "http/message.hpp"

namespace lf::http::detail {

namespace beast = boost::beast;

// Boost 1.74's Beast uses boost::string_view; these convert without copying.
inline beast::string_view to_beast(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }

// A message ready for the socket: start line and header fields serialized into one string, the
// body beside it, so one gathered write sends both. Beast's serializer walks a many-piece buffer
// sequence per field and was a tenth of a proxied request's instructions; the bytes written are
// the same as Beast's except that repeated fields keep their order among the others (Beast moves
// a repeat next to its first occurrence).
struct WireMessage {
  std::string head;
  std::string body;
  // Instead of `body`: a request's body that outlives the write (Client::send_borrowed).
  const std::string* borrowed_body = nullptr;

  std::string_view body_bytes() const { return borrowed_body ? std::string_view(*borrowed_body) : std::string_view(body); }
  std::size_t size() const { return head.size() + body_bytes().size(); }
  std::array<boost::asio::const_buffer, 2> buffers() const {
    const auto bytes = body_bytes();
    return {boost::asio::buffer(head), boost::asio::buffer(bytes.data(), bytes.size())};
  }
};

// Framing headers (Content-Length, Transfer-Encoding, Connection) are ours, the handler's are
// dropped. For HEAD the handler may set Content-Length with an empty body (a proxied HEAD
// answer). Throws std::invalid_argument for a status outside 100-999, as Beast did.
WireMessage wire_response(Response&& response, bool head_request, bool keep_alive, unsigned version);
// HTTP/1.1 request with Host "host:port" unless the caller set one.
WireMessage wire_request(Request&& request, std::string_view host_header);
// The same bytes, with the body borrowed from `request`, which must outlive the message.
WireMessage wire_request_borrowing(const Request& request, std::string_view host_header);

}  // namespace lf::http::detail
