// MAC addresses and [mac] prefixes.
#include <gtest/gtest.h>

#include "core/mac_address.hpp"

namespace netboot {
namespace {

TEST(MacAddress, ParsesDashesColonsAndBareHex) {
  const auto expected = MacAddress({0x00, 0x1E, 0x4F, 0xC4, 0x95, 0xEE});
  EXPECT_EQ(MacAddress::parse("00-1E-4F-C4-95-EE"), expected);
  EXPECT_EQ(MacAddress::parse("00:1e:4f:c4:95:ee"), expected);
  EXPECT_EQ(MacAddress::parse("001e4fc495ee"), expected);
  EXPECT_EQ(MacAddress::parse(" 0:1e:4f:c4:95:ee "), expected);
  EXPECT_EQ(expected.to_string(), "00:1E:4F:C4:95:EE");
  EXPECT_EQ(expected.to_string('-'), "00-1E-4F-C4-95-EE");
}

TEST(MacAddress, RejectsMalformed) {
  for (const char* bad : {"", "00-1E-4F-C4-95", "00-1E-4F-C4-95-EE-11", "00-1E:4F-C4-95-EE", "00-1E-4F-C4-95-EG",
                          "001e4fc495e", "00--1E-4F-C4-95-EE", "001-E4-FC-49-5E-E0"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(MacAddress::parse(bad));
  }
}

TEST(MacPrefix, MatchesByPrefixLength) {
  const auto oui = MacPrefix::parse("AA-BB-CC/24");
  ASSERT_TRUE(oui);
  EXPECT_EQ(oui->bits, 24);
  EXPECT_TRUE(oui->matches(*MacAddress::parse("aa:bb:cc:01:02:03")));
  EXPECT_FALSE(oui->matches(*MacAddress::parse("aa:bb:cd:01:02:03")));
  const auto nibble = MacPrefix::parse("AA:BB:CC:D0/28");
  ASSERT_TRUE(nibble);
  EXPECT_TRUE(nibble->matches(*MacAddress::parse("aa:bb:cc:df:00:00")));
  EXPECT_FALSE(nibble->matches(*MacAddress::parse("aa:bb:cc:e0:00:00")));
  EXPECT_EQ(MacPrefix::parse("AA-BB-CC-DD-EE-FF")->bits, 48);
  EXPECT_FALSE(MacPrefix::parse("AA-BB-CC"));      // partial needs /bits
  EXPECT_FALSE(MacPrefix::parse("AA-BB-CC/32"));   // more bits than given
  EXPECT_FALSE(MacPrefix::parse("AA-BB-CC/x"));
  EXPECT_EQ(MacPrefix::parse("AA-BB-CC-FF-FF-FF/24"), MacPrefix::parse("aa:bb:cc/24"));
}

}  // namespace
}  // namespace netboot
