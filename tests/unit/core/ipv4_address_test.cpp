// IPv4 addresses.
#include <gtest/gtest.h>

#include "core/ipv4_address.hpp"

namespace netboot {
namespace {

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

}  // namespace
}  // namespace netboot
