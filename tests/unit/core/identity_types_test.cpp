#include <gtest/gtest.h>

#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/text.hpp"
#include "core/uuid.hpp"

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

TEST(Ipv4Address, ParsesDottedQuadsOnly) {
  EXPECT_EQ(Ipv4Address::parse("192.168.1.100")->to_string(), "192.168.1.100");
  EXPECT_EQ(Ipv4Address::parse("192.168.1.100")->to_host_order(), 0xC0A80164u);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "a.b.c.d", "1..2.3", "1.2.3.4 x"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(Ipv4Address::parse(bad));
  }
  EXPECT_EQ(Ipv4Address::parse("255.255.255.0")->prefix_length(), 24);
  EXPECT_FALSE(Ipv4Address::parse("255.0.255.0")->prefix_length());
  EXPECT_EQ(UdpEndpoint::parse("127.0.0.1:12345")->port, 12345);
  EXPECT_FALSE(UdpEndpoint::parse("127.0.0.1"));
  EXPECT_FALSE(UdpEndpoint::parse("127.0.0.1:0"));
}

TEST(Uuid, ReadsSmbiosWireOrderAsFirmwaresSendIt) {
  // firmware-requests.md: QEMU -uuid 4c414230-1234-4567-89ab-cdef00770001 goes on the wire as:
  const std::array<std::uint8_t, 16> wire{0x30, 0x42, 0x41, 0x4c, 0x34, 0x12, 0x67, 0x45,
                                          0x89, 0xab, 0xcd, 0xef, 0x00, 0x77, 0x00, 0x01};
  const auto uuid = Uuid::from_smbios_bytes(wire);
  EXPECT_EQ(uuid.to_string(), "4c414230-1234-4567-89ab-cdef00770001");
  EXPECT_EQ(uuid.to_smbios_bytes(), wire);
  EXPECT_EQ(Uuid::parse("4C414230-1234-4567-89AB-CDEF00770001"), uuid);
  EXPECT_FALSE(Uuid::parse("4c414230-1234-4567-89ab-cdef0077000"));
  EXPECT_FALSE(Uuid::parse("4c4142301-234-4567-89ab-cdef00770001"));
}

TEST(UuidPrefix, MatchesLeadingBits) {
  const auto prefix = UuidPrefix::parse("4c414230-1234/48");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->matches(*Uuid::parse("4c414230-1234-4567-89ab-cdef00770001")));
  EXPECT_FALSE(prefix->matches(*Uuid::parse("4c414230-1235-4567-89ab-cdef00770001")));
  EXPECT_FALSE(UuidPrefix::parse("4c41/20"));
  EXPECT_TRUE(UuidPrefix::parse("4c414230-1234-4567-89ab-cdef00770001")->is_exact());
}

TEST(ParseBool, AcceptsEveryPybootdSpellingInAnyCase) {
  for (const char* yes : {"on", "true", "enable", "enabled", "yes", "high", "ok", "1", "ON", "True", "ENABLED", "Ok"})
    EXPECT_EQ(parse_bool(yes), true) << yes;
  for (const char* no : {"off", "false", "disable", "disabled", "no", "low", "ko", "0", "OFF", "False", "KO"})
    EXPECT_EQ(parse_bool(no), false) << no;
  for (const char* bad : {"", "y", "2", "yess", "nope"}) EXPECT_FALSE(parse_bool(bad)) << bad;
}

}  // namespace
}  // namespace netboot
