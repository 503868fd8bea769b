#include "http/message_parser.hpp"

#include <gtest/gtest.h>

namespace lf::http {
namespace {

// Feeds `bytes` the way a connection does: whatever was not consumed is fed again with the next
// piece appended. `piece` 0 feeds everything at once.
MessageParser feed_in_pieces(MessageKind kind, std::string_view bytes, std::size_t piece, const Limits& limits = {},
                             bool no_body = false, std::size_t* leftover = nullptr) {
  MessageParser parser(kind, limits);
  if (no_body) parser.expect_no_body();
  std::string pending;
  std::size_t next = 0;
  do {
    const std::size_t n = piece == 0 ? bytes.size() : std::min(piece, bytes.size() - next);
    pending.append(bytes.substr(next, n));
    next += n;
    pending.erase(0, parser.feed(pending));
  } while (next < bytes.size() && !parser.done() && !parser.error());
  if (leftover) *leftover = pending.size() + (bytes.size() - next);
  return parser;
}

constexpr std::string_view kChunkedRequest =
    "POST /upload?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
    "4;ext=1\r\nWiki\r\n5 \r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n";

TEST(MessageParser, RequestFedWholeOrByteByByteGivesTheSameMessage) {
  for (std::size_t piece : {0, 1, 2, 7}) {
    auto parser = feed_in_pieces(MessageKind::request, kChunkedRequest, piece);
    ASSERT_TRUE(parser.done()) << "piece " << piece << ": " << (parser.error() ? parser.error()->message : "");
    EXPECT_EQ(parser.version(), 11u);
    EXPECT_TRUE(parser.keep_alive());
    auto request = parser.take_request();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/upload");
    EXPECT_EQ(request.query, "x=1");
    EXPECT_EQ(request.body, "Wikipedia");
    ASSERT_EQ(request.headers.size(), 2u);  // trailers are not kept
    EXPECT_EQ(request.headers.get("transfer-encoding").value(), "gzip, chunked");
  }
}

TEST(MessageParser, LeavesThePipelinedNextRequestUnconsumed) {
  std::size_t leftover = 0;
  auto parser = feed_in_pieces(MessageKind::request,
                               "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n", 0, {}, false, &leftover);
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.take_request().body, "abc");
  EXPECT_EQ(leftover, std::string_view("GET /b HTTP/1.1\r\n\r\n").size());
}

TEST(MessageParser, FieldValuesAreTrimmedAndKeptInOrder) {
  auto parser = feed_in_pieces(MessageKind::request, "GET / HTTP/1.1\r\nA: \t one \t\r\nB:two\r\nA: three\r\nEmpty:\r\n\r\n", 0);
  ASSERT_TRUE(parser.done());
  auto request = parser.take_request();
  EXPECT_EQ(request.headers, (Headers{{"A", "one"}, {"B", "two"}, {"A", "three"}, {"Empty", ""}}));
  EXPECT_TRUE(request.body.empty());
}

TEST(MessageParser, IgnoresEmptyLinesBeforeTheRequestLine) {
  auto parser = feed_in_pieces(MessageKind::request, "\r\n\r\nGET /x HTTP/1.1\r\n\r\n", 0);
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.take_request().target, "/x");
}

TEST(MessageParser, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    std::string_view bytes;
    bool keep_alive;
  };
  for (const auto& c : {Case{"GET / HTTP/1.1\r\n\r\n", true}, Case{"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", false},
                        Case{"GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n", false},
                        Case{"GET / HTTP/1.0\r\n\r\n", false}, Case{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true}}) {
    auto parser = feed_in_pieces(MessageKind::request, c.bytes, 0);
    ASSERT_TRUE(parser.done()) << c.bytes;
    EXPECT_EQ(parser.keep_alive(), c.keep_alive) << c.bytes;
  }
}

TEST(MessageParser, ExpectContinueIsReportedOnceTheHeadIsDone) {
  MessageParser parser(MessageKind::request, {});
  std::string_view head = "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(parser.feed(head), head.size());
  EXPECT_TRUE(parser.head_done());
  EXPECT_FALSE(parser.done());
  EXPECT_TRUE(parser.expects_continue());
  EXPECT_EQ(parser.body_bytes_wanted(), 2u);
  EXPECT_EQ(parser.feed("ok"), 2u);
  EXPECT_TRUE(parser.done());
}

TEST(MessageParser, MalformedRequestsAre400WithAReason) {
  for (std::string_view bytes : {
           "GET / HTTP/1.1\nHost: x\n\n",                                    // bare LF
           "G@T / HTTP/1.1\r\n\r\n",                                         // method not a token
           "GET  / HTTP/1.1\r\n\r\n",                                        // empty target
           "GET /\x01 HTTP/1.1\r\n\r\n",                                     // control character in target
           "GET / HTTP/2.0\r\n\r\n",                                         // not HTTP/1.x
           "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",                          // space in a field name
           "GET / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n",                      // obs-fold
           "GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n",                             // control character in a value
           "GET / HTTP/1.1\r\nNoColon\r\n\r\n",                              // no colon
           "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",                  // not digits
           "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",                  // negative
           "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",  // disagreeing repeats
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",  // both framings
           "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",             // not ending in chunked
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",    // bad chunk size
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",   // data not followed by CRLF
       }) {
    auto parser = feed_in_pieces(MessageKind::request, bytes, 0);
    ASSERT_TRUE(parser.error()) << bytes;
    EXPECT_EQ(parser.error()->kind, ParseError::Kind::malformed) << bytes;
    EXPECT_EQ(parser.error()->status(), 400) << bytes;
    EXPECT_EQ(parser.error()->message.rfind("malformed request: ", 0), 0u) << parser.error()->message;
  }
}

TEST(MessageParser, RepeatedEqualContentLengthsAreAccepted) {
  auto parser = feed_in_pieces(MessageKind::request, "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc", 0);
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.take_request().body, "abc");
}

TEST(MessageParser, LimitsGive413And431BeforeTheBodyArrives) {
  Limits limits{.body_limit = 4, .header_limit = 64};
  auto declared = feed_in_pieces(MessageKind::request, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 0, limits);
  ASSERT_TRUE(declared.error());
  EXPECT_EQ(declared.error()->status(), 413);
  auto chunked = feed_in_pieces(MessageKind::request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\n", 0, limits);
  ASSERT_TRUE(chunked.error());
  EXPECT_EQ(chunked.error()->status(), 413);
  // A head that has not ended yet but is already over the limit fails without waiting for more.
  auto endless = feed_in_pieces(MessageKind::request, "GET / HTTP/1.1\r\nX: " + std::string(100, 'a'), 1, limits);
  ASSERT_TRUE(endless.error());
  EXPECT_EQ(endless.error()->status(), 431);
  auto trailers = feed_in_pieces(MessageKind::request,
                                 "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + std::string(100, 'a') + "\r\n\r\n",
                                 0, limits);
  ASSERT_TRUE(trailers.error());
  EXPECT_EQ(trailers.error()->status(), 431);
}

TEST(MessageParser, EndOfStreamCompletesOnlyACloseDelimitedBody) {
  MessageParser empty(MessageKind::request, {});
  empty.feed_eof();
  ASSERT_TRUE(empty.error());
  EXPECT_EQ(empty.error()->kind, ParseError::Kind::incomplete);
  EXPECT_FALSE(empty.got_some());

  MessageParser cut(MessageKind::request, {});
  cut.feed("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc");
  cut.feed_eof();
  ASSERT_TRUE(cut.error());
  EXPECT_EQ(cut.error()->kind, ParseError::Kind::incomplete);
  EXPECT_TRUE(cut.got_some());

  MessageParser until_close(MessageKind::response, {});
  until_close.feed("HTTP/1.0 200 OK\r\n\r\nall of ");
  until_close.feed("it");
  EXPECT_FALSE(until_close.done());
  until_close.feed_eof();
  ASSERT_TRUE(until_close.done());
  EXPECT_FALSE(until_close.keep_alive());
  EXPECT_EQ(until_close.take_response().body, "all of it");
}

TEST(MessageParser, ResponsesWithoutABody) {
  for (std::string_view bytes : {"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
                                 "HTTP/1.1 100 Continue\r\n\r\n"}) {
    auto parser = feed_in_pieces(MessageKind::response, bytes, 0);
    ASSERT_TRUE(parser.done()) << bytes;
    EXPECT_TRUE(parser.take_response().body.empty());
  }
  // The answer to HEAD declares a length but sends nothing.
  auto head = feed_in_pieces(MessageKind::response, "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", 0, {}, true);
  ASSERT_TRUE(head.done());
  auto response = head.take_response();
  EXPECT_EQ(response.headers.get("content-length").value(), "42");
}

TEST(MessageParser, ResponseStatusLines) {
  auto no_reason = feed_in_pieces(MessageKind::response, "HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n", 0);
  ASSERT_TRUE(no_reason.done());
  EXPECT_EQ(no_reason.status(), 503);
  auto chunked = feed_in_pieces(MessageKind::response, "HTTP/1.1 200 Fine Thanks\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 3);
  ASSERT_TRUE(chunked.done());
  EXPECT_EQ(chunked.take_response().body, "ok");
  for (std::string_view bad : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 200X\r\n\r\n"}) {
    auto parser = feed_in_pieces(MessageKind::response, bad, 0);
    ASSERT_TRUE(parser.error()) << bad;
    EXPECT_EQ(parser.error()->kind, ParseError::Kind::malformed) << bad;
  }
}

TEST(MessageParser, ResponseBodyLimit) {
  Limits limits{.body_limit = 3, .header_limit = 1024};
  auto close_delimited = feed_in_pieces(MessageKind::response, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabcd", 0, limits);
  ASSERT_TRUE(close_delimited.error());
  EXPECT_EQ(close_delimited.error()->kind, ParseError::Kind::body_too_large);
}

}  // namespace
}  // namespace lf::http
