#include "http/parser.hpp"

#include <gtest/gtest.h>

namespace lf::http {
namespace {

TEST(ParseRequest, ParsesRequestLineHeadersAndBody) {
  auto request = parse_request(
      "POST /v1.0/state/store?metadata.ttl=5 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n[]");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->target, "/v1.0/state/store?metadata.ttl=5");
  EXPECT_EQ(request->path, "/v1.0/state/store");
  EXPECT_EQ(request->query, "metadata.ttl=5");
  EXPECT_EQ(request->headers.get("content-type").value(), "application/json");
  EXPECT_EQ(request->body, "[]");
}

TEST(ParseRequest, AcceptsChunkedBody) {
  auto request = parse_request(
      "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->body, "Wikipedia");
}

TEST(ParseRequest, BodyOverLimitIs413) {
  Limits limits;
  limits.body_limit = 4;
  auto request = parse_request("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", limits);
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().kind, ParseError::Kind::body_too_large);
  EXPECT_EQ(request.error().status(), 413);
  EXPECT_EQ(request.error().error_code(), "ERR_REQUEST_TOO_LARGE");

  auto chunked = parse_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
                               limits);
  ASSERT_FALSE(chunked);
  EXPECT_EQ(chunked.error().status(), 413);
}

TEST(ParseRequest, HeadersOverLimitAre431) {
  Limits limits;
  limits.header_limit = 64;
  auto request = parse_request("GET / HTTP/1.1\r\nX-Big: " + std::string(100, 'a') + "\r\n\r\n", limits);
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().status(), 431);
  EXPECT_EQ(request.error().error_code(), "ERR_HEADERS_TOO_LARGE");
}

TEST(ParseRequest, GarbageIs400) {
  auto request = parse_request("\x01\x02 garbage \r\n\r\n");
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().kind, ParseError::Kind::malformed);
  EXPECT_EQ(request.error().status(), 400);
  auto response = to_error_response(request.error());
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("\"errorCode\":\"ERR_MALFORMED_REQUEST\""), std::string::npos);
}

TEST(ParseRequest, TruncatedInputIsIncomplete) {
  for (std::string_view bytes : {"", "GET / HTTP/1.1\r\nHost: x", "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"}) {
    auto request = parse_request(bytes);
    ASSERT_FALSE(request) << bytes;
    EXPECT_EQ(request.error().kind, ParseError::Kind::incomplete) << bytes;
  }
}

}  // namespace
}  // namespace lf::http
