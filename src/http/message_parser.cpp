#include "http/message_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "core/strings.hpp"

namespace lf::http {
namespace {

// tchar of RFC 9110 5.6.2: the characters of methods and field names.
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr auto kTokenChar = make_token_table();

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// Field values and reason phrases: HTAB, SP, VCHAR and obs-text; no other control characters.
bool is_field_text(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// A request-target: visible ASCII only.
bool is_target(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// "HTTP/1.0" -> 10, "HTTP/1.1" (or a later 1.x, treated as 1.1) -> 11; 0 when not HTTP/1.x.
unsigned parse_version(std::string_view s) {
  if (s.size() != 8 || s.substr(0, 7) != "HTTP/1." || s[7] < '0' || s[7] > '9') return 0;
  return s[7] == '0' ? 10 : 11;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;  // 19 digits always fit in 64 bits
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls `each` with every non-empty trimmed element of a comma-separated field value.
template <class F>
void for_each_list_item(std::string_view value, F each) {
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim_ows(value.substr(0, comma));
    if (!item.empty()) each(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// Finds the '\n' ending the line that starts at `from`; the line must end in CRLF.
// Returns npos when no '\n' has arrived yet.
std::size_t find_line_end(std::string_view bytes, std::size_t from) {
  const void* found = std::memchr(bytes.data() + from, '\n', bytes.size() - from);
  if (!found) return std::string_view::npos;
  return static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
}

constexpr std::size_t kMaxChunkSizeLine = 4096;

}  // namespace

void MessageParser::fail(ParseError::Kind kind, std::string message) {
  if (kind == ParseError::Kind::malformed && kind_ == MessageKind::request) message = "malformed request: " + message;
  error_ = ParseError{kind, std::move(message)};
}

void MessageParser::fail_limit(ParseError::Kind kind) {
  const char* what = kind_ == MessageKind::request ? "request" : "response";
  fail(kind, kind == ParseError::Kind::body_too_large ? std::string(what) + " body exceeds the limit"
                                                      : std::string(what) + " headers exceed the limit");
}

std::size_t MessageParser::feed(std::string_view bytes) {
  if (error_ || state_ == State::done) return 0;
  if (!bytes.empty()) got_some_ = true;
  std::size_t used = 0;
  if (state_ == State::head) {
    used = parse_head(bytes);
    if (state_ == State::head || error_) return used;
  }
  if (state_ != State::done) used += parse_body(bytes.substr(used));
  return used;
}

void MessageParser::feed_eof() {
  if (error_ || state_ == State::done) return;
  if (state_ == State::until_close) {
    state_ = State::done;
    return;
  }
  const bool request = kind_ == MessageKind::request;
  if (!got_some_) {
    fail(ParseError::Kind::incomplete, request ? "empty request" : "empty response");
  } else {
    fail(ParseError::Kind::incomplete, request ? "incomplete request" : "incomplete response");
  }
}

std::size_t MessageParser::parse_head(std::string_view bytes) {
  // A server should ignore empty lines before a request-line (RFC 9112 2.2).
  std::size_t start = 0;
  if (kind_ == MessageKind::request) {
    while (bytes.size() - start >= 2 && bytes[start] == '\r' && bytes[start + 1] == '\n') start += 2;
  }
  std::size_t end = 0;
  std::size_t lines = 0;
  // Only the first header_limit bytes (empty lines before the head included) can hold a head we
  // accept; not looking further makes the outcome the same however the bytes were split into reads.
  const auto window = bytes.substr(0, limits_.header_limit);
  for (std::size_t pos = std::max(scanned_, start); pos < window.size();) {
    const std::size_t newline = find_line_end(window, pos);
    if (newline == std::string_view::npos) break;
    if (newline == start || bytes[newline - 1] != '\r') {
      fail(ParseError::Kind::malformed, "bare LF line ending");
      return 0;
    }
    ++lines;
    if (newline >= start + 3 && bytes[newline - 2] == '\n') {
      end = newline + 1;
      break;
    }
    pos = newline + 1;
  }
  if (end == 0) {
    scanned_ = std::max(scanned_, window.size());
    if (bytes.size() > limits_.header_limit)
      fail_limit(ParseError::Kind::headers_too_large);
    return 0;
  }
  if (end > limits_.header_limit) {
    fail_limit(ParseError::Kind::headers_too_large);
    return 0;
  }
  headers_.reserve(lines);
  std::string_view head = bytes.substr(start, end - start - 2);  // without the final empty line
  bool first = true;
  while (!head.empty()) {
    const auto crlf = head.find("\r\n");
    const auto line = head.substr(0, crlf);
    head.remove_prefix(crlf + 2);
    if (first ? !parse_start_line(line) : !parse_field(line)) return 0;
    first = false;
  }
  if (!decide_framing()) return 0;
  return end;
}

bool MessageParser::parse_start_line(std::string_view line) {
  if (kind_ == MessageKind::request) {
    const auto method_end = line.find(' ');
    if (method_end == std::string_view::npos || !is_token(line.substr(0, method_end))) {
      fail(ParseError::Kind::malformed, "bad method");
      return false;
    }
    auto rest = line.substr(method_end + 1);
    const auto target_end = rest.find(' ');
    if (target_end == std::string_view::npos || !is_target(rest.substr(0, target_end))) {
      fail(ParseError::Kind::malformed, "bad target");
      return false;
    }
    version_ = parse_version(rest.substr(target_end + 1));
    if (version_ == 0) {
      fail(ParseError::Kind::malformed, "bad version");
      return false;
    }
    method_.assign(line.substr(0, method_end));
    target_.assign(rest.substr(0, target_end));
    return true;
  }
  version_ = parse_version(line.substr(0, 8));
  const bool status_ok = line.size() >= 12 && line[8] == ' ' && line[9] >= '1' && line[9] <= '9' &&
                         line[10] >= '0' && line[10] <= '9' && line[11] >= '0' && line[11] <= '9';
  if (version_ == 0 || !status_ok) {
    fail(ParseError::Kind::malformed, "bad status line");
    return false;
  }
  // The reason phrase may be missing altogether ("HTTP/1.1 200").
  if (line.size() > 12 && (line[12] != ' ' || !is_field_text(line.substr(13)))) {
    fail(ParseError::Kind::malformed, "bad reason phrase");
    return false;
  }
  status_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  return true;
}

bool MessageParser::parse_field(std::string_view line) {
  const auto colon = line.find(':');
  // A name that is not a token also rejects obs-fold (a line starting with whitespace) and
  // whitespace before the colon.
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    fail(ParseError::Kind::malformed, "bad field");
    return false;
  }
  const auto name = line.substr(0, colon);
  const auto value = trim_ows(line.substr(colon + 1));
  if (!is_field_text(value)) {
    fail(ParseError::Kind::malformed, "bad field value");
    return false;
  }
  headers_.add(std::string(name), std::string(value));
  return true;
}

bool MessageParser::decide_framing() {
  const bool request = kind_ == MessageKind::request;
  bool close = false, keep_alive = false, expect_continue = false, chunked_last = false, has_transfer_encoding = false;
  std::optional<std::uint64_t> content_length;
  bool bad_length = false;
  for (const auto& header : headers_) {
    const std::string_view name = header.name;
    switch (name.size()) {
      case 6:
        if (iequals(name, "expect")) expect_continue = iequals(header.value, "100-continue");
        break;
      case 10:
        if (iequals(name, "connection")) {
          for_each_list_item(header.value, [&](std::string_view token) {
            if (iequals(token, "close")) close = true;
            if (iequals(token, "keep-alive")) keep_alive = true;
          });
        }
        break;
      case 14:
        if (iequals(name, "content-length")) {
          for_each_list_item(header.value, [&](std::string_view item) {
            auto value = parse_decimal(item);
            if (!value || (content_length && *content_length != *value)) bad_length = true;
            if (value) content_length = value;
          });
          if (trim_ows(header.value).empty()) bad_length = true;
        }
        break;
      case 17:
        if (iequals(name, "transfer-encoding")) {
          has_transfer_encoding = true;
          for_each_list_item(header.value, [&](std::string_view coding) { chunked_last = iequals(coding, "chunked"); });
        }
        break;
      default: break;
    }
  }
  keep_alive_ = version_ >= 11 ? !close : keep_alive && !close;
  expects_continue_ = request && version_ >= 11 && expect_continue;
  if (bad_length) {
    fail(ParseError::Kind::malformed, "bad Content-Length");
    return false;
  }
  if (!request && (no_body_ || status_has_no_body(status_))) {
    state_ = State::done;
    return true;
  }
  if (has_transfer_encoding) {
    // Both framings at once is how requests get smuggled past a proxy (RFC 9112 6.1).
    if (request && content_length) {
      fail(ParseError::Kind::malformed, "both Transfer-Encoding and Content-Length");
      return false;
    }
    if (chunked_last) {
      state_ = State::chunk_size;
      return true;
    }
    if (request) {
      fail(ParseError::Kind::malformed, "Transfer-Encoding does not end in chunked");
      return false;
    }
    state_ = State::until_close;
    keep_alive_ = false;
    return true;
  }
  if (content_length) {
    if (*content_length > limits_.body_limit) {
      fail_limit(ParseError::Kind::body_too_large);
      return false;
    }
    remaining_ = *content_length;
    body_.reserve(static_cast<std::size_t>(remaining_));
    state_ = remaining_ > 0 ? State::length_body : State::done;
    return true;
  }
  if (request) {
    state_ = State::done;
    return true;
  }
  state_ = State::until_close;
  keep_alive_ = false;
  return true;
}

bool MessageParser::append_body(std::string_view bytes) {
  if (body_.size() + bytes.size() > limits_.body_limit) {
    fail_limit(ParseError::Kind::body_too_large);
    return false;
  }
  body_.append(bytes);
  return true;
}

std::size_t MessageParser::parse_body(std::string_view bytes) {
  switch (state_) {
    case State::length_body: {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
      body_.append(bytes.substr(0, n));
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::done;
      return n;
    }
    case State::until_close:
      return append_body(bytes) ? bytes.size() : 0;
    case State::chunk_size:
    case State::chunk_data:
    case State::chunk_data_end:
    case State::trailer:
      return parse_chunked(bytes);
    case State::head:
    case State::done:
      break;
  }
  return 0;
}

std::size_t MessageParser::parse_chunked(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size() && state_ != State::done && !error_) {
    switch (state_) {
      case State::chunk_size: {
        const auto newline = find_line_end(bytes.substr(0, pos + kMaxChunkSizeLine), pos);
        if (newline == std::string_view::npos) {
          if (bytes.size() - pos >= kMaxChunkSizeLine) fail(ParseError::Kind::malformed, "chunk size line too long");
          return pos;
        }
        if (newline == pos || bytes[newline - 1] != '\r') {
          fail(ParseError::Kind::malformed, "bad chunk size");
          return pos;
        }
        auto line = bytes.substr(pos, newline - 1 - pos);
        std::uint64_t size = 0;
        std::size_t digits = 0;
        for (; digits < line.size() && hex_digit(line[digits]) >= 0; ++digits) {
          if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
            fail_limit(ParseError::Kind::body_too_large);
            return pos;
          }
          size = size * 16 + static_cast<std::uint64_t>(hex_digit(line[digits]));
        }
        // Chunk extensions (";name=value") are allowed after optional whitespace and ignored.
        auto rest = trim_ows(line.substr(digits));
        if (digits == 0 || (!rest.empty() && rest.front() != ';')) {
          fail(ParseError::Kind::malformed, "bad chunk size");
          return pos;
        }
        pos = newline + 1;
        if (size == 0) {
          state_ = State::trailer;
        } else if (body_.size() + size > limits_.body_limit) {
          fail_limit(ParseError::Kind::body_too_large);
          return pos;
        } else {
          remaining_ = size;
          state_ = State::chunk_data;
        }
        break;
      }
      case State::chunk_data: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size() - pos));
        body_.append(bytes.substr(pos, n));
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::chunk_data_end;
        break;
      }
      case State::chunk_data_end:
        if (bytes.size() - pos < 2) return pos;
        if (bytes[pos] != '\r' || bytes[pos + 1] != '\n') {
          fail(ParseError::Kind::malformed, "bad chunk end");
          return pos;
        }
        pos += 2;
        state_ = State::chunk_size;
        break;
      case State::trailer: {
        const auto newline = find_line_end(bytes, pos);
        const std::size_t line_bytes = newline == std::string_view::npos ? bytes.size() - pos : newline + 1 - pos;
        if (trailer_bytes_ + line_bytes > limits_.header_limit) {
          fail_limit(ParseError::Kind::headers_too_large);
          return pos;
        }
        if (newline == std::string_view::npos) return pos;
        if (newline == pos || bytes[newline - 1] != '\r') {
          fail(ParseError::Kind::malformed, "bare LF line ending");
          return pos;
        }
        trailer_bytes_ += line_bytes;
        auto line = bytes.substr(pos, newline - 1 - pos);
        pos = newline + 1;
        if (line.empty()) {
          state_ = State::done;
          break;
        }
        // Trailer fields are checked like header fields but not kept.
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon)) || !is_field_text(line.substr(colon + 1))) {
          fail(ParseError::Kind::malformed, "bad trailer field");
          return pos;
        }
        break;
      }
      case State::head:
      case State::length_body:
      case State::until_close:
      case State::done:
        return pos;
    }
  }
  return pos;
}

Request MessageParser::take_request() {
  Request request;
  request.method = std::move(method_);
  request.set_target(std::move(target_));
  request.headers = std::move(headers_);
  request.body = std::move(body_);
  return request;
}

Response MessageParser::take_response() {
  Response response;
  response.status = status_;
  response.headers = std::move(headers_);
  response.body = std::move(body_);
  return response;
}

}  // namespace lf::http
