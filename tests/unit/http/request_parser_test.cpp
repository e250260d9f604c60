#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace netboot::http {
namespace {

using State = RequestParser::State;

struct Parsed {
  RequestParser::Progress progress;
  Request request;
  int error_status = 0;
};

Parsed parse(std::string_view bytes, ParserLimits limits = {}) {
  RequestParser parser(limits);
  const auto progress = parser.feed(bytes);
  return {progress, parser.request(), parser.error_status()};
}

TEST(RequestParser, ParsesGetWithRangeAndConditional) {
  const auto p = parse(
      "GET /boot/vmlinuz?arch=x86 HTTP/1.1\r\nHost: s\r\nrange:  bytes=0-99 \r\nIf-Modified-Since: Sun, 06 Nov 1994 "
      "08:49:37 GMT\r\n\r\n");
  ASSERT_EQ(p.progress.state, State::Complete);
  EXPECT_EQ(p.request.method, Method::Get);
  EXPECT_EQ(p.request.method_name, "GET");
  EXPECT_EQ(p.request.target, "/boot/vmlinuz?arch=x86");
  EXPECT_EQ(p.request.path, "/boot/vmlinuz");
  EXPECT_EQ(p.request.range, std::optional<std::string>("bytes=0-99"));
  EXPECT_EQ(p.request.if_modified_since, std::optional<std::string>("Sun, 06 Nov 1994 08:49:37 GMT"));
  EXPECT_TRUE(p.request.keep_alive);
}

TEST(RequestParser, RecognisesHeadAndOtherMethods) {
  EXPECT_EQ(parse("HEAD /x HTTP/1.1\r\n\r\n").request.method, Method::Head);
  const auto post = parse("POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_EQ(post.progress.state, State::Complete);
  EXPECT_EQ(post.request.method, Method::Other);
  EXPECT_EQ(post.request.method_name, "POST");
}

TEST(RequestParser, PercentDecodesThePath) {
  EXPECT_EQ(parse("GET /a%20b/%2e%2e/c+d HTTP/1.1\r\n\r\n").request.path, "/a b/../c+d");
  EXPECT_EQ(parse("GET /x%00y HTTP/1.1\r\n\r\n").request.path, std::string("/x\0y", 4));
}

TEST(RequestParser, TakesThePathOfAnAbsoluteFormTarget) {
  const auto p = parse("GET http://10.0.0.1:8080/ipxe/boot.ipxe HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.progress.state, State::Complete);
  EXPECT_EQ(p.request.path, "/ipxe/boot.ipxe");
  EXPECT_EQ(parse("GET http://10.0.0.1 HTTP/1.1\r\n\r\n").request.path, "/");
}

TEST(RequestParser, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    const char* text;
    bool keep_alive;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto p = parse(c.text);
    ASSERT_EQ(p.progress.state, State::Complete);
    EXPECT_EQ(p.request.keep_alive, c.keep_alive);
  }
}

TEST(RequestParser, AcceptsARequestFedOneByteAtATime) {
  const std::string text = "GET /pxelinux.cfg/default HTTP/1.1\r\nHost: x\r\nRange: bytes=5-\r\n\r\n";
  RequestParser parser;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto progress = parser.feed(std::string_view(text).substr(i, 1));
    ASSERT_EQ(progress.consumed, 1U) << i;
    ASSERT_EQ(progress.state, i + 1 == text.size() ? State::Complete : State::NeedMore) << i;
  }
  EXPECT_EQ(parser.request().path, "/pxelinux.cfg/default");
  EXPECT_EQ(parser.request().range, std::optional<std::string>("bytes=5-"));
}

TEST(RequestParser, StopsAfterEachPipelinedRequest) {
  const std::string first = "GET /one HTTP/1.1\r\nRange: bytes=1-2\r\n\r\n";
  const std::string both = first + "HEAD /two HTTP/1.1\r\n\r\n";
  RequestParser parser;
  auto progress = parser.feed(both);
  ASSERT_EQ(progress.state, State::Complete);
  EXPECT_EQ(progress.consumed, first.size());
  EXPECT_EQ(parser.request().path, "/one");
  // Still Complete until next(): nothing more is consumed.
  EXPECT_EQ(parser.feed(std::string_view(both).substr(first.size())).consumed, 0U);
  parser.next();
  progress = parser.feed(std::string_view(both).substr(first.size()));
  ASSERT_EQ(progress.state, State::Complete);
  EXPECT_EQ(progress.consumed, both.size() - first.size());
  EXPECT_EQ(parser.request().path, "/two");
  EXPECT_EQ(parser.request().method, Method::Head);
  EXPECT_FALSE(parser.request().range.has_value());  // nothing leaks from the first request
}

TEST(RequestParser, JoinsRepeatedRangeFields) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nRange: bytes=0-1\r\nRange: bytes=4-5\r\n\r\n").request.range,
            std::optional<std::string>("bytes=0-1, bytes=4-5"));
}

TEST(RequestParser, RefusesMalformedAndOversizedRequests) {
  struct Case {
    const char* name;
    std::string text;
    int status;
  };
  const Case cases[] = {
      {"garbage", "\x01\x02\x03 nonsense\r\n\r\n", 501},
      {"unknown method", "FETCH / HTTP/1.1\r\n\r\n", 501},
      {"bad version", "GET / HTTP/x.y\r\n\r\n", 505},
      {"HTTP/2 version", "GET / HTTP/2.0\r\n\r\n", 505},
      {"bad percent escape", "GET /a%zz HTTP/1.1\r\n\r\n", 400},
      {"truncated percent escape", "GET /a% HTTP/1.1\r\n\r\n", 400},
      {"bad content length", "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400},
      {"newline in target", "GET /a\nb HTTP/1.1\r\n\r\n", 400},
      {"target too long", "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\n\r\n", 414},
      {"header too large", "GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n", 431},
      {"many headers", "GET / HTTP/1.1\r\n" + [] {
         std::string s;
         for (int i = 0; i < 2000; ++i) s += "X-" + std::to_string(i) + ": 1234567\r\n";
         return s;
       }() + "\r\n", 431},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto p = parse(c.text);
    EXPECT_EQ(p.progress.state, State::Failed);
    EXPECT_EQ(p.error_status, c.status);
  }
}

TEST(RequestParser, HeaderLimitIsConfigurable) {
  const std::string text = "GET / HTTP/1.1\r\nUser-Agent: " + std::string(200, 'u') + "\r\n\r\n";
  EXPECT_EQ(parse(text, {4096, 100}).error_status, 431);
  EXPECT_EQ(parse(text, {4096, 1000}).progress.state, State::Complete);
}

}  // namespace
}  // namespace netboot::http
