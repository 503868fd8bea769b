#pragma once
// Incremental HTTP/1.x message parser for the server (requests) and the client (responses).
// It replaced Beast's parser on the hot path: Beast parsed into its own field list, which we then
// copied into our Headers, and its composed read operations cost a dozen type-erased executor
// copies per message. This one parses a complete head in one pass straight into our types.
//
// Feeding: `feed` consumes a prefix of the bytes it is given. A head is consumed only once all
// of it is present (the caller keeps unconsumed bytes and feeds them again with more appended),
// so a head never needs a copy of its own; bodies are consumed as they arrive.
//
// What it accepts (RFC 9112, strict where that closes request-smuggling gaps): CRLF line endings
// only; HTTP/1.0 and 1.1; no obs-fold; Content-Length digits only, repeats must agree; a request
// with Transfer-Encoding must end in chunked and must not also carry Content-Length; chunk
// extensions are skipped and trailer fields are read and dropped.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/parser.hpp"

namespace lf::http {

enum class MessageKind { request, response };

class MessageParser {
 public:
  MessageParser(MessageKind kind, const Limits& limits) : kind_(kind), limits_(limits) {}

  // For a response to a HEAD request: the framing fields describe a body that is not sent.
  void expect_no_body() { no_body_ = true; }

  // Consumes a prefix of `bytes` and returns its length; bytes after a complete message are left.
  std::size_t feed(std::string_view bytes);
  // The peer closed its side: completes a body delimited by the close, otherwise an incomplete
  // message becomes an error (kind incomplete).
  void feed_eof();

  bool head_done() const { return state_ > State::head; }
  bool done() const { return state_ == State::done; }
  const std::optional<ParseError>& error() const { return error_; }
  // Any byte of this message was seen, even one not consumed yet.
  bool got_some() const { return got_some_; }

  // Valid once the head is done.
  unsigned version() const { return version_; }  // 10 or 11
  bool keep_alive() const { return keep_alive_; }
  bool expects_continue() const { return expects_continue_; }
  bool is_head_request() const { return method_ == "HEAD"; }
  int status() const { return status_; }
  // Bytes the body still needs when that is known (Content-Length), else 0: sizes the next read.
  std::size_t body_bytes_wanted() const {
    return state_ == State::length_body ? static_cast<std::size_t>(remaining_) : 0;
  }

  // Move the message out once done().
  Request take_request();
  Response take_response();

 private:
  enum class State { head, length_body, chunk_size, chunk_data, chunk_data_end, trailer, until_close, done };

  std::size_t parse_head(std::string_view bytes);
  bool parse_start_line(std::string_view line);
  bool parse_field(std::string_view line);
  bool decide_framing();
  std::size_t parse_body(std::string_view bytes);
  std::size_t parse_chunked(std::string_view bytes);
  bool append_body(std::string_view bytes);
  void fail(ParseError::Kind kind, std::string message);
  // body_too_large or headers_too_large, worded for a request or a response.
  void fail_limit(ParseError::Kind kind);

  MessageKind kind_;
  Limits limits_;
  bool no_body_ = false;
  State state_ = State::head;
  std::optional<ParseError> error_;
  bool got_some_ = false;
  std::size_t scanned_ = 0;  // head bytes already searched for the end of the head
  std::size_t trailer_bytes_ = 0;

  std::string method_;
  std::string target_;
  int status_ = 0;
  unsigned version_ = 11;
  Headers headers_;
  std::string body_;
  bool keep_alive_ = true;
  bool expects_continue_ = false;
  std::uint64_t remaining_ = 0;  // of the Content-Length body or the current chunk
};

}  // namespace lf::http
