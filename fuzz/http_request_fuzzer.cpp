// Feeds arbitrary bytes to the message parser (as the server's request parser and the client's
// response parser) and to the URL helpers that handlers run on request data. Any crash, sanitizer
// report or broken invariant is a finding; one invariant is that a message arriving in pieces
// parses exactly as it does in one piece.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/message_parser.hpp"
#include "http/parser.hpp"
#include "http/url.hpp"

namespace {

void check(bool invariant) {
  if (!invariant) std::abort();
}

struct Outcome {
  bool done = false;
  int error_kind = -1;
  lf::http::Response message;  // status, headers and body (a request's method/target go into headers)
  std::size_t consumed = 0;
  bool operator==(const Outcome& other) const {
    return done == other.done && error_kind == other.error_kind && consumed == other.consumed &&
           message.status == other.message.status && message.headers == other.message.headers &&
           message.body == other.message.body;
  }
};

// Feeds `bytes` in pieces of `piece` bytes the way a connection does (unconsumed bytes are fed
// again with the next piece), then the end of the stream.
Outcome parse_in_pieces(lf::http::MessageKind kind, std::string_view bytes, std::size_t piece, bool no_body) {
  using namespace lf::http;
  MessageParser parser(kind, Limits{.body_limit = 4096, .header_limit = 2048});
  if (no_body) parser.expect_no_body();
  std::string pending;
  std::size_t next = 0, consumed = 0;
  while (next < bytes.size() && !parser.done() && !parser.error()) {
    const std::size_t n = std::min(piece, bytes.size() - next);
    pending.append(bytes.substr(next, n));
    next += n;
    const std::size_t used = parser.feed(pending);
    check(used <= pending.size());
    pending.erase(0, used);
    consumed += used;
  }
  if (!parser.done() && !parser.error()) parser.feed_eof();
  check(parser.done() != parser.error().has_value());
  Outcome outcome;
  outcome.done = parser.done();
  outcome.consumed = consumed;
  if (parser.error()) {
    outcome.error_kind = static_cast<int>(parser.error()->kind);
    return outcome;
  }
  if (kind == MessageKind::request) {
    auto request = parser.take_request();
    check(request.body.size() <= 4096);
    outcome.message.headers = std::move(request.headers);
    outcome.message.headers.add(request.method, request.target);
    outcome.message.body = std::move(request.body);
  } else {
    outcome.message = parser.take_response();
    check(outcome.message.status >= 100 && outcome.message.status <= 999 && outcome.message.body.size() <= 4096);
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lf::http;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // Small limits so the 413/431 paths are reachable with small inputs.
  Limits limits;
  limits.body_limit = 4096;
  limits.header_limit = 2048;
  auto request = parse_request(bytes, limits);
  if (request) {
    check(request->body.size() <= limits.body_limit);
    check(std::string_view(request->target).substr(0, request->path.size()) == request->path);
    (void)url::percent_decode(request->path);
    for (const auto& [key, value] : url::parse_query(request->query)) check(key.size() + value.size() <= size);
    for (const auto& header : request->headers) (void)header;
  } else {
    auto response = to_error_response(request.error());
    check(response.status == 400 || response.status == 413 || response.status == 431);
  }

  if (!bytes.empty()) {
    const auto kind = (data[0] & 1) ? MessageKind::response : MessageKind::request;
    const bool no_body = (data[0] & 2) != 0;
    const std::size_t piece = 1 + data[0] % 7;
    const auto message = bytes.substr(1);
    check(parse_in_pieces(kind, message, message.size() + 1, no_body) == parse_in_pieces(kind, message, piece, no_body));
  }

  (void)url::parse_url(bytes);
  auto decoded = url::percent_decode(bytes, true);
  if (decoded) check(url::percent_decode(url::percent_encode(*decoded)).value() == *decoded);
  return 0;
}
