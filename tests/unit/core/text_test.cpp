// Text helpers: pybootd booleans.
#include <gtest/gtest.h>

#include "core/text.hpp"

namespace netboot {
namespace {

TEST(ParseBool, AcceptsEveryPybootdSpellingInAnyCase) {
  for (const char* yes : {"on", "true", "enable", "enabled", "yes", "high", "ok", "1", "ON", "True", "ENABLED", "Ok"})
    EXPECT_EQ(parse_bool(yes), true) << yes;
  for (const char* no : {"off", "false", "disable", "disabled", "no", "low", "ko", "0", "OFF", "False", "KO"})
    EXPECT_EQ(parse_bool(no), false) << no;
  for (const char* bad : {"", "y", "2", "yess", "nope"}) EXPECT_FALSE(parse_bool(bad)) << bad;
}

}  // namespace
}  // namespace netboot
