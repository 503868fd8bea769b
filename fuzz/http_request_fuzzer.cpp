// Feeds arbitrary bytes to the server's request parser and the URL helpers that handlers run on
// request data. Any crash, sanitizer report or broken invariant is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/parser.hpp"
#include "http/url.hpp"

namespace {

void check(bool invariant) {
  if (!invariant) std::abort();
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

  (void)url::parse_url(bytes);
  auto decoded = url::percent_decode(bytes, true);
  if (decoded) check(url::percent_decode(url::percent_encode(*decoded)).value() == *decoded);
  return 0;
}
