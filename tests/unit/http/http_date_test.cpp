// IMF-fixdate (RFC 9110 §5.6.7) formatting and parsing.
#include <gtest/gtest.h>

#include "http/http_date.hpp"

namespace netboot::http {
namespace {

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<std::int64_t>(784111777));
  EXPECT_EQ(parse_http_date(format_http_date(1'700'000'123)), std::optional<std::int64_t>(1'700'000'123));
  for (const char* bad : {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "", "Sun, 06 Nov 1994 08:49:37 UTC"})
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
}

}  // namespace
}  // namespace netboot::http
