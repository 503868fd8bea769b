#pragma once
// URL helpers: percent coding, query strings and "http://host:port/path?query" splitting.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace lf::http::url {

// Decodes %XX escapes; with plus_as_space (query strings) '+' becomes ' '.
// Returns nullopt for a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// Escapes everything but RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~).
std::string percent_encode(std::string_view text);
// Like percent_encode but keeps '/' (for path segments joined into a path).
std::string percent_encode_path(std::string_view text);

using QueryPairs = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x%20y&c" -> [(a,1), (b,"x y"), (c,"")], in order, duplicates kept.
// Undecodable escapes are kept verbatim (like Go's lenient handling in Dapr's metadata parsing).
QueryPairs parse_query(std::string_view query);
// Inverse of parse_query (keys and values percent-encoded).
std::string build_query(const QueryPairs& pairs);

struct Url {
  std::string scheme;  // "http"
  std::string host;    // "127.0.0.1", "localhost", "::1" (brackets stripped)
  std::uint16_t port = 0;
  std::string target;  // path plus "?query", at least "/"
};

// Parses "http://host[:port][/path][?query]"; port defaults to 80 (http) / 443 (https).
Result<Url> parse_url(std::string_view text);

}  // namespace lf::http::url
