#include "config/unusable_addresses.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "config/load_config.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

Ipv4Address ip(std::string_view text) { return *Ipv4Address::parse(text); }

DhcpConfig served(std::string_view server, std::string_view mask) {
  DhcpConfig d;
  d.server_address = ip(server);
  d.netmask = ip(mask);
  d.gateway = d.server_address;
  d.pool_start = ip("192.168.1.100");
  d.pool_count = 10;
  return d;
}

std::string listed(const std::vector<UnusableAddress>& unusable) {
  std::string out;
  for (const auto& u : unusable) out += u.address.to_string() + " " + std::string(u.why) + "; ";
  return out;
}

TEST(UnusableAddresses, NetworkBroadcastServerAddressesAndGatewayEachOnce) {
  auto d = served("192.168.1.1", "255.255.255.0");
  d.local_addresses = {ip("192.168.1.1"), ip("192.168.1.7")};
  d.gateway = ip("192.168.1.254");
  EXPECT_EQ(listed(unusable_addresses(d)),
            "192.168.1.0 network address; 192.168.1.255 broadcast address; 192.168.1.1 server address; "
            "192.168.1.7 server address; 192.168.1.254 gateway; ");
  d.gateway.reset();  // set_gateway = off
  d.local_addresses.clear();
  EXPECT_EQ(listed(unusable_addresses(d)),
            "192.168.1.0 network address; 192.168.1.255 broadcast address; 192.168.1.1 server address; ");
}

TEST(UnusableAddresses, PointToPointSubnetsHaveNoNetworkOrBroadcastAddress) {
  EXPECT_EQ(listed(unusable_addresses(served("10.0.0.0", "255.255.255.254"))), "10.0.0.0 server address; ");
  EXPECT_EQ(listed(unusable_addresses(served("10.0.0.4", "255.255.255.252"))),
            "10.0.0.4 network address; 10.0.0.7 broadcast address; ");
}

TEST(UnusableAddresses, NoWarningWhenThePoolAvoidsThem) {
  EXPECT_FALSE(pool_overlap_warning(served("192.168.1.1", "255.255.255.0")).has_value());
}

TEST(UnusableAddresses, WarningSaysWhichAndHowManyRemain) {
  auto d = served("192.168.1.1", "255.255.255.0");
  d.pool_start = ip("192.168.1.0");
  d.pool_count = 256;
  d.static_leases = {{*MacAddress::parse("02:00:00:00:00:50"), ip("192.168.1.50")},
                     {*MacAddress::parse("02:00:00:00:00:51"), ip("10.0.0.1")}};  // outside the pool
  const auto warning = pool_overlap_warning(d);
  ASSERT_TRUE(warning.has_value());
  EXPECT_EQ(*warning,
            "[bootp] the pool 192.168.1.0 .. 192.168.1.255 holds 4 addresses never leased dynamically: "
            "192.168.1.0 (network address), 192.168.1.255 (broadcast address), 192.168.1.1 (server address), "
            "192.168.1.50 (reserved for 02-00-00-00-00-50); 252 of 256 remain");
}

// What --check-config prints: the pool of the issue, x.y.z.0 with pool_count 256.
TEST(UnusableAddresses, LoadConfigWarnsAboutAnOverlappingPoolAndAnUnusableReservation) {
  const NetworkInterface interfaces[] = {
      {"eth0", 2, ip("192.168.1.1"), ip("255.255.255.0"), 1500, true, false},
      {"eth0", 2, ip("192.168.1.2"), ip("255.255.255.0"), 1500, true, false},  // a second address
  };
  const fs::path dir = fs::temp_directory_path() / ("netbootd-unusable-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "tftpboot");
  const auto file = dir / "netbootd.ini";
  std::ofstream(file) << "[bootp]\npool_start = 192.168.1.0\npool_count = 256\n"
                         "[static_dhcp]\n02-00-00-00-00-09 = 192.168.1.255\n";
  LoadOptions options;
  options.default_root = dir / "tftpboot";  // not the host's /srv/tftp
  const auto loaded = load_config(file, options, interfaces);
  fs::remove_all(dir);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
  EXPECT_EQ(loaded->config.dhcp.local_addresses, (std::vector<Ipv4Address>{ip("192.168.1.1"), ip("192.168.1.2")}));
  std::string all;
  for (const auto& w : loaded->warnings) all += w + "\n";
  EXPECT_NE(all.find("[static_dhcp] 02-00-00-00-00-09 = 192.168.1.255 is the broadcast address: never leased"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("192.168.1.2 (server address)"), std::string::npos) << all;
  EXPECT_NE(all.find("; 252 of 256 remain"), std::string::npos) << all;
}

}  // namespace
}  // namespace netboot::config
