#include "http/url.hpp"

#include <charconv>

#include "core/strings.hpp"

namespace lf::http::url {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string encode(std::string_view text, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xF]);
    }
  }
  return out;
}

std::string decode_lenient(std::string_view text) {
  auto decoded = percent_decode(text, true);
  return decoded ? std::move(*decoded) : std::string(text);
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) { return encode(text, false); }
std::string percent_encode_path(std::string_view text) { return encode(text, true); }

QueryPairs parse_query(std::string_view query) {
  QueryPairs pairs;
  if (query.empty()) return pairs;
  for (std::string_view part : split(query, '&')) {
    if (part.empty()) continue;
    auto equals = part.find('=');
    std::string_view key = part.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? std::string_view() : part.substr(equals + 1);
    pairs.emplace_back(decode_lenient(key), decode_lenient(value));
  }
  return pairs;
}

std::string build_query(const QueryPairs& pairs) {
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode(key);
    out.push_back('=');
    out += percent_encode(value);
  }
  return out;
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fail("invalid URL \"" + std::string(text) + "\": missing scheme");
  url.scheme = to_lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return fail("unsupported protocol scheme \"" + url.scheme + "\"");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (auto fragment = target.find('#'); fragment != std::string_view::npos) target = target.substr(0, fragment);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);

  std::string_view port_text;
  if (starts_with(authority, "[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("invalid URL \"" + std::string(text) + "\": unclosed IPv6 bracket");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("invalid URL \"" + std::string(text) + "\": bad port");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return fail("invalid URL \"" + std::string(text) + "\": missing host");

  if (port_text.empty()) {
    url.port = url.scheme == "https" ? 443 : 80;
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return fail("invalid URL \"" + std::string(text) + "\": invalid port \"" + std::string(port_text) + "\"");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target[0] == '?') url.target.insert(url.target.begin(), '/');
  return url;
}

}  // namespace lf::http::url
