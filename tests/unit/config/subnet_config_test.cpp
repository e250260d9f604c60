// [subnet NAME] sections (issue 18): parsing, inheritance from [bootp], and every error
// with its file and line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "config/load_config.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

// A host with a LAN card 192.168.1.1/24 ([bootp]) and a second one 10.20.0.1/24.
const NetworkInterface kInterfaces[] = {
    {"lo", 1, ip("127.0.0.1"), ip("255.0.0.0"), 65536, true, true},
    {"eth0", 2, ip("192.168.1.1"), ip("255.255.255.0"), 1500, true, false},
    {"eth1", 3, ip("10.20.0.1"), ip("255.255.255.0"), 1500, true, false},
    {"eth0", 2, ip("10.30.0.1"), ip("255.255.255.0"), 1500, true, false},  // a secondary address of eth0
};

struct Loaded {
  Result<LoadedConfig> result;
  [[nodiscard]] const Config& config() const { return result->config; }
  [[nodiscard]] std::string error() const { return result ? std::string() : result.error().detail; }
};

Loaded load_text(const std::string& text, std::span<const NetworkInterface> interfaces = kInterfaces) {
  static int counter = 0;
  const auto dir = fs::temp_directory_path() /
                   ("netbootd-subnet-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir / "tftpboot");
  std::ofstream(dir / "netbootd.ini") << text;
  LoadOptions options;
  options.default_root = dir / "tftpboot";
  Loaded loaded{load_config(dir / "netbootd.ini", options, interfaces)};
  fs::remove_all(dir);
  return loaded;
}

const std::string kBootp =
    "[bootp]\n"                       // 1
    "pool_start = 192.168.1.100\n"    // 2
    "dns = 192.168.1.53\n"            // 3
    "domain = lab\n"                  // 4
    "lease_time = 600\n"              // 5
    "boot_file = pxelinux.0\n"        // 6
    "[bootfile]\n"                    // 7
    "00007 = grubx64.efi\n";          // 8

TEST(SubnetConfig, ASubnetTakesWhatItDoesNotSetFromBootpButNeverItsNetworkKeys) {
  const auto loaded = load_text(kBootp +
                                "[subnet rack12]\n"
                                "network = 10.12.0.0/24\n"
                                "pool = 10.12.0.100-10.12.0.199; 10.12.0.220-10.12.0.229\n"
                                "bootfile.00007 = rack12/grubx64.efi\n"
                                "relay = 10.99.0.12\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const DhcpConfig& d = loaded.config().dhcp;
  ASSERT_EQ(d.subnets.size(), 1u);
  const SubnetConfig& s = d.subnets[0];
  EXPECT_EQ(s.name, "rack12");
  EXPECT_EQ(s.network.network(), ip("10.12.0.0"));
  EXPECT_EQ(s.netmask, ip("255.255.255.0"));
  ASSERT_EQ(s.pools.size(), 2u);
  EXPECT_EQ(s.pools[0].first, ip("10.12.0.100"));
  EXPECT_EQ(s.pools[0].last, ip("10.12.0.199"));
  EXPECT_EQ(s.pools[1].size(), 10u);
  // Inherited from [bootp] / [bootfile].
  ASSERT_EQ(s.dns.size(), 1u);
  EXPECT_EQ(s.dns[0], ip("192.168.1.53"));
  EXPECT_EQ(s.domain, "lab");
  EXPECT_EQ(s.lease_time, 600u);
  ASSERT_NE(s.boot_files.select(0, false), nullptr);
  EXPECT_EQ(*s.boot_files.select(0, false), "pxelinux.0");
  ASSERT_NE(s.boot_files.select(7, false), nullptr);
  EXPECT_EQ(*s.boot_files.select(7, false), "rack12/grubx64.efi") << "the subnet's own override";
  EXPECT_EQ(*d.boot_files.select(7, false), "grubx64.efi") << "[bootfile] itself unchanged";
  // Never inherited: [bootp]'s gateway is the server, which is not on 10.12.0.0/24.
  EXPECT_FALSE(s.gateway);
  EXPECT_TRUE(s.set_gateway);
  EXPECT_TRUE(s.local_addresses.empty()) << "a relayed subnet: no address of ours on it";
  ASSERT_EQ(s.relays.size(), 1u);
  EXPECT_EQ(s.relays[0], ip("10.99.0.12"));
}

TEST(SubnetConfig, OwnValuesOverrideBootpAndALocalSubnetFindsItsInterface) {
  const auto loaded = load_text(kBootp +
                                "[subnet lab2]\n"
                                "network = 10.20.0.0/24\n"
                                "pool_start = 10.20.0.50\n"
                                "pool_count = 20\n"
                                "gateway = 10.20.0.254\n"
                                "netmask = 255.255.255.0\n"
                                "dns = 10.20.0.53;10.20.0.54\n"
                                "domain = two\n"
                                "lease_time = 120\n"
                                "next_server = 10.20.0.5\n"
                                "boot_file = two.0\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const SubnetConfig& s = loaded.config().dhcp.subnets.at(0);
  ASSERT_EQ(s.pools.size(), 1u);
  EXPECT_EQ(s.pools[0].first, ip("10.20.0.50"));
  EXPECT_EQ(s.pools[0].last, ip("10.20.0.69"));
  EXPECT_EQ(s.gateway, ip("10.20.0.254"));
  EXPECT_EQ(s.dns.size(), 2u);
  EXPECT_EQ(s.domain, "two");
  EXPECT_EQ(s.lease_time, 120u);
  EXPECT_EQ(s.next_server, ip("10.20.0.5"));
  EXPECT_EQ(*s.boot_files.select(0, false), "two.0");
  ASSERT_EQ(s.local_addresses.size(), 1u);
  EXPECT_EQ(s.local_addresses[0], ip("10.20.0.1"));
  EXPECT_EQ(s.detected_interface, "eth1");
}

TEST(SubnetConfig, SetGatewayNoMeansNoRouter) {
  const auto loaded = load_text(kBootp + "[subnet a]\nnetwork = 10.1.0.0/16\ngateway = 10.1.0.1\nset_gateway = no\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_FALSE(loaded.config().dhcp.subnets.at(0).gateway);
  EXPECT_FALSE(loaded.config().dhcp.subnets.at(0).set_gateway);
}

TEST(SubnetConfig, ReservationsGoToTheSubnetHoldingThemAndOneInNoSubnetIsAnError) {
  const std::string subnets = "[subnet a]\nnetwork = 10.1.0.0/24\npool = 10.1.0.10-10.1.0.20\n";
  const auto placed = load_text(kBootp + subnets +
                                "[static_dhcp]\n"
                                "02-00-00-00-00-01 = 192.168.1.50\n"
                                "02-00-00-00-00-02 = 10.1.0.77\n");
  ASSERT_TRUE(placed.result) << placed.error();
  const DhcpConfig& d = placed.config().dhcp;
  ASSERT_EQ(d.static_leases.size(), 1u) << "[bootp]'s own stays with subnet 0";
  EXPECT_EQ(d.static_leases.begin()->second, ip("192.168.1.50"));
  ASSERT_EQ(d.subnets[0].reservations.size(), 1u);
  EXPECT_EQ(d.subnets[0].reservations.begin()->second, ip("10.1.0.77"));

  const auto outside = load_text(kBootp + subnets + "[static_dhcp]\n02-00-00-00-00-03 = 10.50.0.9\n");
  EXPECT_NE(outside.error().find("netbootd.ini:13: [static_dhcp] 02-00-00-00-00-03: 10.50.0.9 is in no subnet"),
            std::string::npos)
      << outside.error();
}

TEST(SubnetConfig, APybootdFileKeepsItsWarningForAReservationOffTheSubnet) {
  const auto loaded = load_text(kBootp + "[static_dhcp]\n02-00-00-00-00-03 = 10.50.0.9\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_TRUE(loaded.config().dhcp.subnets.empty());
  EXPECT_EQ(loaded.config().dhcp.static_leases.size(), 1u);
}

struct BadSubnet {
  std::string text;   // after kBootp (8 lines)
  std::string error;  // expected substring
};

class SubnetConfigErrors : public ::testing::TestWithParam<BadSubnet> {};

TEST_P(SubnetConfigErrors, NameFileLineAndReason) {
  const auto loaded = load_text(kBootp + GetParam().text);
  ASSERT_FALSE(loaded.result) << GetParam().text;
  EXPECT_NE(loaded.error().find(GetParam().error), std::string::npos) << loaded.error();
}

INSTANTIATE_TEST_SUITE_P(
    All, SubnetConfigErrors,
    ::testing::Values(
        BadSubnet{"[subnet]\nnetwork = 10.1.0.0/24\n", "netbootd.ini:9: [subnet]: a subnet needs a name"},
        BadSubnet{"[subnet a]\npool = 10.1.0.10-10.1.0.20\n", "netbootd.ini:9: [subnet a]: missing network"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0\n", "netbootd.ini:10: [subnet a] network: '10.1.0.0' is not a network"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.5/24\n", "netbootd.ini:10: [subnet a] network: '10.1.0.5/24' has host bits set"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\npool = 10.1.0.10-10.1.1.20\n",
                  "netbootd.ini:11: [subnet a] pool: 10.1.0.10 .. 10.1.1.20 leaves the network 10.1.0.0/24"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\npool = 10.1.0.0-10.1.0.20\n",
                  "netbootd.ini:11: [subnet a] pool: 10.1.0.0 .. 10.1.0.20 holds the network or broadcast address"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\npool = 10.1.0.10-10.1.0.20;10.1.0.15-10.1.0.30\n",
                  "netbootd.ini:11: [subnet a] pool: the ranges 10.1.0.10 .. 10.1.0.20 and 10.1.0.15 .. 10.1.0.30 overlap"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\npool = 10.1.0.30-10.1.0.20\n", "the range ends before it starts"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\npool_start = 10.1.0.250\npool_count = 10\n",
                  "netbootd.ini:11: [subnet a] pool_start: the pool 10.1.0.250 .. 10.1.1.3 leaves the network"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\npool = 10.1.0.10-10.1.0.20\npool_start = 10.1.0.30\n",
                  "netbootd.ini:12: [subnet a] pool_start: give either pool or pool_start/pool_count, not both"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\ngatway = 10.1.0.1\n",
                  "netbootd.ini:11: [subnet a] gatway: unknown key: did you mean 'gateway'?"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\ncolour = blue\n", "netbootd.ini:11: [subnet a] colour: unknown key"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\n[subnet A]\nnetwork = 10.2.0.0/24\n",
                  "netbootd.ini:11: [subnet A]: subnet A is already defined at line 9"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/16\n[subnet b]\nnetwork = 10.1.4.0/24\n",
                  "netbootd.ini:11: [subnet b] 10.1.4.0/24: network overlaps [subnet a] 10.1.0.0/16 (line 9)"},
        BadSubnet{"[subnet a]\nnetwork = 192.168.0.0/16\n",
                  "netbootd.ini:9: [subnet a] 192.168.0.0/16: network overlaps [bootp] 192.168.1.0/24 (line 1)"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nrelay = 10.9.0.1\n[subnet b]\nnetwork = 10.2.0.0/24\nrelay = 10.9.0.1\n",
                  "[subnet b] relay: 10.9.0.1 already selects [subnet a]"},
        BadSubnet{"[subnet a]\nnetwork = 239.1.0.0/24\n",
                  "netbootd.ini:10: [subnet a] network: '239.1.0.0/24' holds multicast or reserved addresses"},
        BadSubnet{"[subnet a]\nnetwork = 192.0.0.0/2\n", "netbootd.ini:10: [subnet a] network: '192.0.0.0/2' holds multicast"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nrelay = 10.20.0.1\n",
                  "netbootd.ini:11: [subnet a] relay: 10.20.0.1 is an address of this server (eth1): a relay is another host"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nrelay = 10.9.0.1; 192.168.1.1\n",
                  "netbootd.ini:11: [subnet a] relay: 192.168.1.1 is an address of this server (eth0)"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nrelay = 224.0.0.1\n",
                  "netbootd.ini:11: [subnet a] relay: 224.0.0.1 is no relay's address"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nrelay = 10.2.0.1\n[subnet b]\nnetwork = 10.2.0.0/24\n",
                  "netbootd.ini:9: [subnet a] relay: 10.2.0.1 lies in [subnet b] 10.2.0.0/24, whose relayed clients it would take"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nrelay = 192.168.1.7\n",
                  "netbootd.ini:9: [subnet a] relay: 192.168.1.7 lies in [bootp] 192.168.1.0/24"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\ninterface = eth9\n", "netbootd.ini:11: [subnet a] interface: no interface eth9"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nbootfile.x86 = a.efi\n", "netbootd.ini:11: [subnet a] bootfile.x86: not a client architecture"},
        // One link, one subnet: unrelayed requests are placed by their arrival interface.
        BadSubnet{"[subnet s]\nnetwork = 10.30.0.0/24\n",
                  "netbootd.ini:9: [subnet s] 10.30.0.0/24: this server's address 10.30.0.1 on eth0 is the link of "
                  "[bootp] 192.168.1.0/24 (line 1): one link serves one subnet (no shared networks)"},
        BadSubnet{"[subnet a]\nnetwork = 10.20.0.0/24\n[subnet b]\nnetwork = 10.40.0.0/24\ninterface = eth1\n",
                  "netbootd.ini:11: [subnet b] 10.40.0.0/24: interface = eth1 is the link of [subnet a] 10.20.0.0/24 (line 9)"},
        // A subnet's HTTP boot keys become URLs (select-http-boot-url): [bootfile]'s rules.
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nbootfile.00016 = a/ipxe.efi\n",
                  "netbootd.ini:11: [subnet a] bootfile.00016: 'a/ipxe.efi' is a file name for an HTTP boot client, "
                  "and the HTTP service is off"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nbootfile.16 = tftp://10.1.0.5/a.efi\n",
                  "netbootd.ini:11: [subnet a] bootfile.16: 'tftp://10.1.0.5/a.efi': UEFI HTTP boot takes http:// or https:// URLs"},
        BadSubnet{"[subnet a]\nnetwork = 10.1.0.0/24\nbootfile.19 = http://10.1.0.5/" + std::string(120, 'a') + "\n",
                  "netbootd.ini:11: [subnet a] bootfile.19: the URL is 136 bytes; a DHCP reply's file field holds 127"}));

// [bootp] trusted_relays: the relay agents' source addresses, addresses or networks.
TEST(TrustedRelays, AddressesAndNetworksAreReadAndPrintedByCheckConfig) {
  const auto loaded = load_text(
      "[bootp]\npool_start = 192.168.1.100\ntrusted_relays = 192.168.1.2; 172.16.8.0/24;10.0.0.0/8\n"
      "[subnet rack12]\nnetwork = 10.12.0.0/24\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto& trusted = loaded.config().dhcp.trusted_relays;
  ASSERT_EQ(trusted.size(), 3u);
  EXPECT_EQ(trusted[0].address, ip("192.168.1.2"));
  EXPECT_EQ(trusted[0].netmask, ip("255.255.255.255"));
  EXPECT_EQ(trusted[1].netmask, ip("255.255.255.0"));
  EXPECT_TRUE(trusted[2].contains(ip("10.200.3.4")));
  const std::string text = format_config(loaded.config());
  EXPECT_NE(text.find("trusted_relays = 192.168.1.2/32;172.16.8.0/24;10.0.0.0/8\n"), std::string::npos) << text;
  // Not set: every relay believed, as a pybootd file always did; --check-config says so.
  const auto open = load_text(kBootp + "[subnet rack12]\nnetwork = 10.12.0.0/24\n");
  ASSERT_TRUE(open.result) << open.error();
  EXPECT_TRUE(open.config().dhcp.trusted_relays.empty());
  EXPECT_NE(format_config(open.config()).find("; trusted_relays not set: any host may claim to be a relay"),
            std::string::npos);
}

class TrustedRelaysErrors : public ::testing::TestWithParam<BadSubnet> {};

TEST_P(TrustedRelaysErrors, NameFileLineAndReason) {
  const auto loaded = load_text("[bootp]\npool_start = 192.168.1.100\ntrusted_relays = " + GetParam().text + "\n");
  ASSERT_FALSE(loaded.result) << GetParam().text;
  EXPECT_NE(loaded.error().find("netbootd.ini:3: [bootp] trusted_relays: " + GetParam().error), std::string::npos)
      << loaded.error();
}

INSTANTIATE_TEST_SUITE_P(
    All, TrustedRelaysErrors,
    ::testing::Values(BadSubnet{"10.0.0.300", "'10.0.0.300' is not an address or network"},
                      BadSubnet{"10.0.0.1; relay2", "'relay2' is not an address or network"},
                      BadSubnet{"10.0.0.0/33", "'10.0.0.0/33' is not an address or network"},
                      BadSubnet{"10.0.0.0/", "'10.0.0.0/' is not an address or network"},
                      BadSubnet{"10.0.0.1/24", "'10.0.0.1/24' has host bits set: the network is 10.0.0.0/24"},
                      BadSubnet{"0.0.0.0", "0.0.0.0 is no relay's address"},
                      BadSubnet{"224.0.0.5", "224.0.0.5 is no relay's address"},
                      BadSubnet{"239.0.0.0/8", "'239.0.0.0/8' holds only multicast or reserved addresses"},
                      BadSubnet{"", "empty: list the relay agents' source addresses"},
                      BadSubnet{" ; ", "empty: list the relay agents' source addresses"}));

TEST(TrustedRelays, AMisspeltKeyIsAnErrorWithDidYouMean) {
  const auto loaded = load_text("[bootp]\npool_start = 192.168.1.100\ntrusted_relay = 10.0.0.1\n");
  EXPECT_NE(loaded.error().find("netbootd.ini:3: [bootp] trusted_relay: unknown key: did you mean 'trusted_relays'?"),
            std::string::npos)
      << loaded.error();
}

TEST(SubnetConfig, TwoAddressesOfOneSubnetOnOneLinkAreOneLink) {
  std::vector<NetworkInterface> two_on_eth1(std::begin(kInterfaces), std::end(kInterfaces));
  two_on_eth1.push_back({"eth1", 3, ip("10.20.0.2"), ip("255.255.255.0"), 1500, true, false});
  const auto loaded =
      load_text(kBootp + "[subnet lab2]\nnetwork = 10.20.0.0/24\npool = 10.20.0.10-10.20.0.20\n", two_on_eth1);
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().dhcp.subnets.at(0).local_addresses, (std::vector<Ipv4Address>{ip("10.20.0.1"), ip("10.20.0.2")}));
}

TEST(SubnetConfig, ProxyModeHasNoSubnets) {
  const auto loaded = load_text("[bootp]\nproxy = yes\n[subnet a]\nnetwork = 10.1.0.0/24\n");
  EXPECT_NE(loaded.error().find("netbootd.ini:3: [subnet a]: has no meaning with proxy = yes"), std::string::npos)
      << loaded.error();
}

TEST(SubnetConfig, CheckConfigPrintsOneLinePerSubnet) {
  const auto loaded = load_text(kBootp + "[subnet rack12]\nnetwork = 10.12.0.0/24\npool = 10.12.0.100-10.12.0.199\n"
                                         "[subnet lab2]\nnetwork = 10.20.0.0/24\npool = 10.20.0.10-10.20.0.20\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const std::string text = format_config(loaded.config());
  EXPECT_NE(text.find("; subnet 0 [bootp] network 192.168.1.0/24 pool 192.168.1.100 .. 192.168.1.109"), std::string::npos)
      << text;
  EXPECT_NE(text.find("; subnet 1 [subnet rack12] network 10.12.0.0/24 pool 10.12.0.100-10.12.0.199 reservations 0 "
                      "router giaddr"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(relayed)"), std::string::npos) << text;
  EXPECT_NE(text.find("; subnet 2 [subnet lab2] network 10.20.0.0/24"), std::string::npos) << text;
  EXPECT_NE(text.find("local 10.20.0.1"), std::string::npos) << text;
  // A pybootd file prints no subnet lines.
  const auto plain = load_text(kBootp);
  ASSERT_TRUE(plain.result);
  EXPECT_EQ(format_config(plain.config()).find("; subnet"), std::string::npos);
}

}  // namespace
}  // namespace netboot::config
