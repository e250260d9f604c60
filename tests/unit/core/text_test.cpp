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

TEST(Printable, EscapesWhatCouldForgeOrGarbleALine) {
  EXPECT_EQ(printable(std::string("a\0\"\n\r\x1b\xff\\z", 9)), "a\\x00\\x22\\x0a\\x0d\\x1b\\xff\\x5cz");
  EXPECT_EQ(printable("pxelinux.cfg/default"), "pxelinux.cfg/default");
}

TEST(Printable, BoundsWhatALogLineShowsOfALongName) {
  // Exactly at the limit: shown whole.
  EXPECT_EQ(printable(std::string(kPrintableLimit, 'a')), std::string(kPrintableLimit, 'a'));
  // One byte over: cut, with the length of the original.
  EXPECT_EQ(printable(std::string(kPrintableLimit + 1, 'a')), std::string(kPrintableLimit, 'a') + "... (201 bytes)");
  // 64 KiB of control bytes (260 KB escaped): 50 escapes, never one cut in half.
  const auto line = printable(std::string(65000, '\x01'));
  EXPECT_EQ(line.size(), kPrintableLimit + std::string("... (65000 bytes)").size());
  EXPECT_EQ(line.substr(0, 8), "\\x01\\x01");
  EXPECT_EQ(line.substr(kPrintableLimit), "... (65000 bytes)");
  // An escape that would cross the limit is left out whole.
  EXPECT_EQ(printable(std::string(kPrintableLimit - 2, 'a') + "\n", kPrintableLimit), std::string(kPrintableLimit - 2, 'a') + "... (199 bytes)");
  EXPECT_EQ(printable("abcdef", 3), "abc... (6 bytes)");
}

}  // namespace
}  // namespace netboot
