#include "status/host_check.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace netboot::status {
namespace {

const Ipv4Address kLoopback = Ipv4Address::loopback();
const std::vector<std::string> kNames = {"boot.example.org"};

TEST(HostAccepted, TheBoundAddressLocalhostAndConfiguredNames) {
  for (const char* host : {"127.0.0.1", "127.0.0.1:9167", "localhost", "LocalHost:9167", "localhost.",
                           "boot.example.org", "BOOT.example.org:80"})
    EXPECT_TRUE(host_accepted(host, kLoopback, kNames)) << host;
}

// A rebound name (attacker.example resolving to 127.0.0.1), another address, odd forms.
TEST(HostAccepted, RefusesAnyOtherName) {
  for (const char* host : {"attacker.example", "attacker.example:9167", "127.0.0.2", "10.0.0.1:9167", "",
                           "localhost:", "localhost:http", "localhost:123456", "[::1]:9167",
                           "localhost, attacker.example", "boot.example.org.evil", "example.org"})
    EXPECT_FALSE(host_accepted(host, kLoopback, kNames)) << host;
}

TEST(HostAccepted, AnyAddressLiteralWhenBoundToEveryAddress) {
  EXPECT_TRUE(host_accepted("10.0.0.1:9167", Ipv4Address{}, {}));
  EXPECT_TRUE(host_accepted("192.168.1.1", Ipv4Address{}, {}));
  EXPECT_FALSE(host_accepted("attacker.example", Ipv4Address{}, {}));
}

}  // namespace
}  // namespace netboot::status
