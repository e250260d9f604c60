// Percent-decoding of request paths.
#include <gtest/gtest.h>

#include "http/percent_decode.hpp"

namespace netboot::http {
namespace {

TEST(PercentDecode, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(*percent_decode("/a%20b%2Fc+d"), "/a b/c+d");
  EXPECT_EQ(*percent_decode("%41%4a%4A"), "AJJ");
  EXPECT_EQ(percent_decode("%00")->size(), 1U);
  for (const char* bad : {"%", "%4", "a%g0", "%0x"}) EXPECT_FALSE(percent_decode(bad).has_value()) << bad;
  EXPECT_EQ(printable(std::string("a\0\"\n\xff", 5)), "a\\x00\\x22\\x0a\\xff");
}

}  // namespace
}  // namespace netboot::http
