// The bytes the server and client put on the wire (our serializer replaced Beast's; these pin the
// format Beast produced).
#include "http/detail/serializer.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace lf::http::detail {
namespace {

std::string bytes(const WireMessage& m) { return m.head + m.body; }

TEST(WireResponse, StatusLineFieldsInOrderContentLengthAndBody) {
  Response r;
  r.status = 404;
  r.headers = {{"Content-Type", "application/json"}, {"X-Pad", " \tpadded\t "}, {"content-length", "999"},
               {"Connection", "upgrade"}, {"Transfer-Encoding", "chunked"}};
  r.body = "{}";
  EXPECT_EQ(bytes(wire_response(std::move(r), false, true, 11)),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-Pad: padded\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(WireResponse, ConnectionHeaderFollowsVersionAndKeepAlive) {
  EXPECT_EQ(bytes(wire_response(Response{200, {}, "ok"}, false, false, 11)),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  EXPECT_EQ(bytes(wire_response(Response{200, {}, "ok"}, false, true, 10)),
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
  EXPECT_EQ(bytes(wire_response(Response{200, {}, "ok"}, false, false, 10)), "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

TEST(WireResponse, HeadAndBodylessStatuses) {
  // HEAD: the body is not sent; a proxied HEAD answer's declared length is kept.
  EXPECT_EQ(bytes(wire_response(Response{200, {}, "abc"}, true, true, 11)), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(bytes(wire_response(Response{200, {{"Content-Length", "42"}}, ""}, true, true, 11)),
            "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
  EXPECT_EQ(bytes(wire_response(Response{204, {}, "ignored"}, false, true, 11)), "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(bytes(wire_response(Response{304, {}, ""}, false, true, 11)), "HTTP/1.1 304 Not Modified\r\n\r\n");
}

TEST(WireResponse, UnknownStatusAndInvalidStatus) {
  EXPECT_EQ(bytes(wire_response(Response{299, {}, ""}, false, true, 11)),
            "HTTP/1.1 299 <unknown-status>\r\nContent-Length: 0\r\n\r\n");
  EXPECT_THROW(wire_response(Response{1000, {}, ""}, false, true, 11), std::invalid_argument);
  EXPECT_THROW(wire_response(Response{99, {}, ""}, false, true, 11), std::invalid_argument);
}

TEST(WireRequest, TargetHostAndContentLength) {
  Request post;
  post.method = "POST";
  post.set_target("/echo?x=1");
  post.headers = {{"Content-Type", "text/plain"}, {"Content-Length", "7"}};
  post.body = "payload";
  EXPECT_EQ(bytes(wire_request(std::move(post), "127.0.0.1:80")),
            "POST /echo?x=1 HTTP/1.1\r\nContent-Type: text/plain\r\nHost: 127.0.0.1:80\r\nContent-Length: 7\r\n\r\npayload");
  Request get;  // no body, not POST/PUT/PATCH: no Content-Length; the caller's Host wins
  get.path = "/a";
  get.query = "b=2";
  get.headers = {{"host", "example"}};
  EXPECT_EQ(bytes(wire_request(std::move(get), "127.0.0.1:80")), "GET /a?b=2 HTTP/1.1\r\nhost: example\r\n\r\n");
  Request put;
  put.method = "PUT";
  EXPECT_EQ(bytes(wire_request(std::move(put), "h:1")), "PUT / HTTP/1.1\r\nHost: h:1\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace lf::http::detail
