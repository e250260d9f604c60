#include "core/network_interface.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace netboot {
namespace {

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

NetworkInterface interface(unsigned index, const char* address, const char* netmask) {
  NetworkInterface i;
  i.index = index;
  i.address = ip(address);
  i.netmask = ip(netmask);
  return i;
}

TEST(OnLink, PeerInASubnetOfTheArrivalInterface) {
  const std::vector<NetworkInterface> interfaces{interface(1, "127.0.0.1", "255.0.0.0"),
                                                 interface(2, "192.168.1.2", "255.255.255.0"),
                                                 interface(2, "10.0.0.1", "255.255.0.0"),
                                                 interface(3, "172.16.0.1", "255.255.255.252")};
  struct Case {
    unsigned index;
    const char* peer;
    bool expected;
  };
  const Case cases[] = {
      {1, "127.0.0.1", true},      {1, "127.9.9.9", true},      {2, "192.168.1.77", true},
      {2, "10.0.200.3", true},     {2, "192.168.2.77", false},  // routed: another subnet
      {3, "172.16.0.2", true},     {3, "172.16.0.5", false},    // outside the /30
      {2, "127.0.0.1", false},     // a subnet of another interface does not count
      {9, "192.168.1.77", false},  // unknown interface
  };
  for (const auto& c : cases)
    EXPECT_EQ(on_link(interfaces, c.index, ip(c.peer)), c.expected) << c.index << " " << c.peer;
}

TEST(OnLink, NoInterfacesMeansRouted) { EXPECT_FALSE(on_link({}, 1, ip("127.0.0.1"))); }

}  // namespace
}  // namespace netboot
