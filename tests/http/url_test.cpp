#include "http/url.hpp"

#include <gtest/gtest.h>

namespace lf::http::url {
namespace {

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(percent_decode("a%20b%2Fc").value(), "a b/c");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  EXPECT_EQ(percent_decode("%e2%82%AC").value(), "\xe2\x82\xac");
}

TEST(PercentDecode, RejectsBrokenEscapes) {
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("abc%2"));
  EXPECT_FALSE(percent_decode("%zz"));
}

TEST(PercentEncode, KeepsOnlyUnreserved) {
  EXPECT_EQ(percent_encode("a b/c~d.e-f_g"), "a%20b%2Fc~d.e-f_g");
  EXPECT_EQ(percent_encode_path("a b/c"), "a%20b/c");
  EXPECT_EQ(percent_encode("\xe2\x82\xac"), "%E2%82%AC");
  EXPECT_EQ(percent_decode(percent_encode("x=1&y=ä")).value(), "x=1&y=ä");
}

TEST(ParseQuery, KeepsOrderDuplicatesAndEmptyValues) {
  auto pairs = parse_query("metadata.ttlInSeconds=10&b=x%20y&flag&b=2&&c=a+b");
  ASSERT_EQ(pairs.size(), 5u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"metadata.ttlInSeconds", "10"}));
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"b", "x y"}));
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(pairs[3], (std::pair<std::string, std::string>{"b", "2"}));
  EXPECT_EQ(pairs[4], (std::pair<std::string, std::string>{"c", "a b"}));
  EXPECT_TRUE(parse_query("").empty());
}

TEST(ParseQuery, KeepsUndecodableTextVerbatim) {
  auto pairs = parse_query("k=%zz");
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].second, "%zz");
}

TEST(BuildQuery, RoundTripsThroughParse) {
  QueryPairs pairs = {{"a b", "1&2"}, {"c", ""}};
  EXPECT_EQ(build_query(pairs), "a%20b=1%262&c=");
  EXPECT_EQ(parse_query(build_query(pairs)), pairs);
}

TEST(ParseUrl, SplitsHostPortAndTarget) {
  auto url = parse_url("http://127.0.0.1:3500/v1.0/state/store?consistency=strong#frag");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 3500);
  EXPECT_EQ(url->target, "/v1.0/state/store?consistency=strong");
}

TEST(ParseUrl, DefaultsPortAndPath) {
  auto url = parse_url("http://localhost");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(parse_url("https://example.com?x=1")->port, 443);
  EXPECT_EQ(parse_url("https://example.com?x=1")->target, "/?x=1");
}

TEST(ParseUrl, HandlesIpv6Literals) {
  auto url = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
}

TEST(ParseUrl, RejectsBadInput) {
  EXPECT_FALSE(parse_url("127.0.0.1:80/x"));
  EXPECT_FALSE(parse_url("ftp://host/x"));
  EXPECT_FALSE(parse_url("http://host:99999/"));
  EXPECT_FALSE(parse_url("http://host:abc/"));
  EXPECT_FALSE(parse_url("http:///path"));
  EXPECT_FALSE(parse_url("http://[::1/"));
}

}  // namespace
}  // namespace lf::http::url
