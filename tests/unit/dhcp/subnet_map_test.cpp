// select_subnet's precedence (docs/plans/proxy-and-subnets.md §2.1) with the trust rules of
// docs/security.md D1-D6, and the O(log n) bound with 1,000 subnets.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "dhcp/subnet_map.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::ip;

// [bootp] 192.168.1.0/24 (server .1 on ifindex 2); [subnet rack12] 10.12.0.0/24 relayed;
// [subnet rack13] 10.13.0.0/24 relayed, also selected by relay 10.99.0.13; [subnet lab2]
// 10.20.0.0/24 on our second card (10.20.0.1, ifindex 3).
config::DhcpConfig four_subnets() {
  auto c = test::lab_config();
  c.detected_interface = "eth0";
  config::SubnetConfig rack12;
  rack12.name = "rack12";
  rack12.network = Ipv4Subnet{ip("10.12.0.0"), ip("255.255.255.0")};
  config::SubnetConfig rack13 = rack12;
  rack13.name = "rack13";
  rack13.network = Ipv4Subnet{ip("10.13.0.0"), ip("255.255.255.0")};
  rack13.relays = {ip("10.99.0.13")};
  config::SubnetConfig lab2 = rack12;
  lab2.name = "lab2";
  lab2.network = Ipv4Subnet{ip("10.20.0.0"), ip("255.255.255.0")};
  lab2.local_addresses = {ip("10.20.0.1")};
  lab2.detected_interface = "eth1";
  c.subnets = {rack12, rack13, lab2};
  return c;
}

unsigned fake_index(const std::string& name) { return name == "eth0" ? 2 : name == "eth1" ? 3 : 0; }

Bytes link_selection(const char* address) {
  const auto o = ip(address).octets();
  return Bytes{1, 2, 'c', '1', 5, 4, o[0], o[1], o[2], o[3]};
}

struct Row {
  std::string what;
  Ipv4Address giaddr;
  Ipv4Address ciaddr;
  std::optional<Bytes> option82;
  std::optional<Ipv4Address> option118;
  Arrival arrival;
  std::string expected;  // subnet name ("bootp" for 0), or "drop: <refusal part>"
  std::string decided_by = {};
  MessageType type = MessageType::Discover;
};

const Arrival kOnEth0{ip("192.168.1.1"), Ipv4Address::broadcast(), 2};
const Arrival kOnEth1{ip("10.20.0.1"), Ipv4Address::broadcast(), 3};
const Arrival kRelayedToUs{ip("192.168.1.1"), ip("192.168.1.1"), 2};
const Arrival kOnEth9{ip("172.16.0.1"), Ipv4Address::broadcast(), 9};

std::vector<Row> precedence_table() {
  const Ipv4Address none;
  return {
      // Relayed: 82.5, then 118, then the relay key, then giaddr.
      {"82.5 beats 118 and giaddr", ip("10.12.0.1"), none, link_selection("10.13.0.0"), ip("10.20.0.0"), kRelayedToUs,
       "rack13", "link selection (option 82.5)"},
      {"118 beats giaddr", ip("10.12.0.1"), none, std::nullopt, ip("10.13.0.7"), kRelayedToUs, "rack13",
       "subnet selection (option 118)"},
      {"relay key: a giaddr outside every subnet", ip("10.99.0.13"), none, std::nullopt, std::nullopt, kRelayedToUs, "rack13",
       "relay key"},
      {"giaddr", ip("10.12.0.1"), none, std::nullopt, std::nullopt, kRelayedToUs, "rack12", "giaddr"},
      {"giaddr in [bootp]'s subnet", ip("192.168.1.2"), none, std::nullopt, std::nullopt, kRelayedToUs, "bootp", "giaddr"},
      {"82.5 naming no subnet", ip("10.12.0.1"), none, link_selection("10.77.0.0"), std::nullopt, kRelayedToUs,
       "drop: link selection (option 82.5) 10.77.0.0 is in no served subnet"},
      // D2: a link selection never makes an unknown giaddr a relay.
      {"forged giaddr with a good 82.5", ip("203.0.113.9"), none, link_selection("10.12.0.0"), std::nullopt,
       kRelayedToUs, "drop: giaddr 203.0.113.9 is in no served subnet"},
      // D6.
      {"giaddr = network address", ip("10.12.0.0"), none, std::nullopt, std::nullopt, kRelayedToUs,
       "drop: giaddr 10.12.0.0 is the subnet's network or broadcast address"},
      {"giaddr = broadcast address", ip("10.12.0.255"), none, std::nullopt, std::nullopt, kRelayedToUs,
       "drop: giaddr 10.12.0.255 is the subnet's network or broadcast address"},
      {"giaddr = ours", ip("10.20.0.1"), none, std::nullopt, std::nullopt, kRelayedToUs,
       "drop: giaddr 10.20.0.1 is our own address"},
      {"malformed 82", ip("10.12.0.1"), none, Bytes{1, 9, 'x'}, std::nullopt, kRelayedToUs, "drop: malformed option 82"},
      // Not relayed: 82 and 118 are not trusted (D1); ciaddr of a unicast; the arrival link.
      {"unrelayed 82.5 ignored", none, none, link_selection("10.12.0.0"), std::nullopt, kOnEth0, "bootp",
       "arrival interface"},
      {"unrelayed 118 ignored", none, none, std::nullopt, ip("10.12.0.0"), kOnEth1, "lab2", "arrival interface"},
      {"unicast renewal from a relayed subnet", none, ip("10.12.0.150"), std::nullopt, std::nullopt, kRelayedToUs,
       "rack12", "ciaddr", MessageType::Request},
      // D1 (review2): a DISCOVER never carries ciaddr; set, it named another subnet's pool.
      {"unicast DISCOVER with ciaddr: the arrival link", none, ip("10.12.0.150"), std::nullopt, std::nullopt,
       kRelayedToUs, "bootp", "arrival interface", MessageType::Discover},
      {"unicast DECLINE with ciaddr: the arrival link", none, ip("10.12.0.150"), std::nullopt, std::nullopt,
       kRelayedToUs, "bootp", "arrival interface", MessageType::Decline},
      {"unicast RELEASE from a relayed subnet", none, ip("10.12.0.150"), std::nullopt, std::nullopt, kRelayedToUs,
       "rack12", "ciaddr", MessageType::Release},
      {"broadcast with ciaddr: the arrival link", none, ip("10.12.0.150"), std::nullopt, std::nullopt, kOnEth0, "bootp",
       "arrival interface", MessageType::Request},
      {"second card", none, none, std::nullopt, std::nullopt, kOnEth1, "lab2", "arrival interface"},
      {"an interface serving nothing", none, none, std::nullopt, std::nullopt, kOnEth9,
       "drop: arrived on an interface which does not hold the pool"},
      // D3: an INFORM is answered only for an address of the link it came from.
      {"INFORM for another link", none, ip("10.12.0.9"), std::nullopt, std::nullopt, kOnEth0,
       "drop: ciaddr 10.12.0.9 is not on the arrival link's subnet", {}, MessageType::Inform},
  };
}

TEST(SubnetMap, PrecedenceTable) {
  const auto config = four_subnets();
  const SubnetMap map(config, fake_index);
  for (const auto& row : precedence_table()) {
    test::RequestSpec spec;
    spec.type = row.type;
    spec.giaddr = row.giaddr;
    spec.ciaddr = row.ciaddr;
    auto request = test::make_request(spec);
    if (row.option82) request.options.set(OptionCode::RelayAgentInformation, *row.option82);
    if (row.option118) request.options.set_address(OptionCode::SubnetSelection, *row.option118);
    const auto selected = select_subnet(request, row.arrival, map);
    if (row.expected.starts_with("drop: ")) {
      EXPECT_EQ(selected.subnet, nullptr) << row.what;
      EXPECT_NE(selected.refusal.find(row.expected.substr(6)), std::string::npos) << row.what << ": " << selected.refusal;
      continue;
    }
    ASSERT_NE(selected.subnet, nullptr) << row.what << ": " << selected.refusal;
    EXPECT_EQ(selected.subnet->primary() ? std::string("bootp") : selected.subnet->name, row.expected) << row.what;
    EXPECT_EQ(selected.decided_by, row.decided_by) << row.what;
  }
}

TEST(SubnetMap, ServerIdentifierIsTheAddressReachedOrTheRelaysOverride) {
  const auto config = four_subnets();
  const SubnetMap map(config, fake_index);
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  auto request = test::make_request(spec);
  const Arrival reached{ip("192.168.1.7"), ip("192.168.1.7"), 2};
  EXPECT_EQ(select_subnet(request, reached, map).server_id, ip("192.168.1.7"));
  request.options.set(OptionCode::RelayAgentInformation, Bytes{11, 4, 10, 12, 0, 1});
  const auto overridden = select_subnet(request, reached, map);
  EXPECT_EQ(overridden.server_id, ip("10.12.0.1")) << "RFC 5107 server-id override";
  ASSERT_TRUE(overridden.agent);
  // Unrelayed: [bootp] keeps the detected server address; another card answers as itself.
  EXPECT_EQ(select_subnet(test::make_request({}), kOnEth0, map).server_id, ip("192.168.1.1"));
  EXPECT_EQ(select_subnet(test::make_request({}), kOnEth1, map).server_id, ip("10.20.0.1"));
}

// [bootp] trusted_relays: the relay agents believed, by the UDP source of the relayed datagram
// (dhcrelay sends from its server-facing address, not giaddr). Anyone else's giaddr is refused
// whole: its 82.5, 118 and 82.11 with it.
TEST(SubnetMap, OnlyTheListedRelayAgentsAreBelievedWhenTrustedRelaysIsSet) {
  auto config = four_subnets();
  config.trusted_relays = {Ipv4Subnet{ip("192.168.1.2"), ip("255.255.255.255")},
                           Ipv4Subnet{ip("172.16.8.0"), ip("255.255.255.0")}};
  const SubnetMap map(config, fake_index);
  ASSERT_TRUE(map.relays_restricted());
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  auto request = test::make_request(spec);
  request.options.set(OptionCode::RelayAgentInformation, Bytes{1, 2, 'c', '1', 5, 4, 10, 13, 0, 0, 11, 4, 10, 12, 0, 1});
  const auto from = [](const char* source) { return Arrival{ip("192.168.1.1"), ip("192.168.1.1"), 2, ip(source)}; };

  const auto listed = select_subnet(request, from("192.168.1.2"), map);
  ASSERT_NE(listed.subnet, nullptr) << listed.refusal;
  EXPECT_EQ(listed.subnet->name, "rack13") << "a listed agent's 82.5 is honoured";
  EXPECT_EQ(listed.server_id, ip("10.12.0.1")) << "and its 82.11";
  EXPECT_TRUE(listed.agent);
  EXPECT_FALSE(listed.untrusted_relay);

  const auto in_listed_network = select_subnet(request, from("172.16.8.77"), map);
  EXPECT_NE(in_listed_network.subnet, nullptr) << "a listed network";

  for (const char* forger : {"192.168.1.3", "10.12.0.1", "172.16.9.1", "0.0.0.0"}) {
    const auto refused = select_subnet(request, from(forger), map);
    EXPECT_EQ(refused.subnet, nullptr) << forger;
    EXPECT_TRUE(refused.untrusted_relay) << forger << ": logged, not a routine debug line";
    EXPECT_FALSE(refused.agent) << forger << ": nothing of its option 82 is kept";
    EXPECT_NE(refused.refusal.find(fmt::format("relay agent {} (giaddr 10.12.0.1) is not in [bootp] trusted_relays", forger)),
              std::string::npos)
        << refused.refusal;
  }
  // Option 118 from an unlisted agent is no better.
  auto with_118 = test::make_request(spec);
  with_118.options.set_address(OptionCode::SubnetSelection, ip("10.13.0.0"));
  EXPECT_TRUE(select_subnet(with_118, from("192.168.1.3"), map).untrusted_relay);
  // Unrelayed requests do not depend on the list.
  const auto local = select_subnet(test::make_request({}), Arrival{ip("192.168.1.1"), Ipv4Address::broadcast(), 2,
                                                                   ip("192.168.1.50")},
                                   map);
  ASSERT_NE(local.subnet, nullptr) << local.refusal;
  EXPECT_TRUE(local.subnet->primary());
}

TEST(SubnetMap, WithoutTrustedRelaysEveryRelayIsBelievedAsBefore) {
  const auto config = four_subnets();
  const SubnetMap map(config, fake_index);
  EXPECT_FALSE(map.relays_restricted());
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  const auto selected =
      select_subnet(test::make_request(spec), Arrival{ip("192.168.1.1"), ip("192.168.1.1"), 2, ip("198.51.100.7")}, map);
  ASSERT_NE(selected.subnet, nullptr) << selected.refusal;
  EXPECT_FALSE(selected.untrusted_relay);
}

// RFC 3046 §2.1: a DHCP-snooping switch may add option 82 and leave giaddr 0. It is echoed (the
// switch strips it on the way back) but no relay vouches for it: not parsed into the agent the
// lease and the log lines read (and its 82.11 never names us).
TEST(SubnetMap, AnUnrelayedOption82IsMarkedAndNotBelieved) {
  const auto config = four_subnets();
  const SubnetMap map(config, fake_index);
  auto request = test::make_request({});
  request.options.set(OptionCode::RelayAgentInformation, Bytes{1, 4, 'e', 't', 'h', '1', 11, 4, 10, 12, 0, 1});
  const auto selected = select_subnet(request, kOnEth0, map);
  ASSERT_NE(selected.subnet, nullptr) << selected.refusal;
  EXPECT_FALSE(selected.agent);
  EXPECT_TRUE(selected.unrelayed_agent_info);
  EXPECT_EQ(selected.server_id, ip("192.168.1.1"));
  // A malformed one is still refused, relayed or not.
  request.options.set(OptionCode::RelayAgentInformation, Bytes{1, 9, 'x'});
  EXPECT_EQ(select_subnet(request, kOnEth0, map).subnet, nullptr);
}

TEST(SubnetMap, WithoutKnownInterfacesTheArrivalAddressDecides) {
  const auto config = four_subnets();
  const SubnetMap map(config);  // no interface index: tests, or an interface not found
  const auto on_lab2 = select_subnet(test::make_request({}), Arrival{ip("10.20.0.1"), Ipv4Address::broadcast(), 7}, map);
  ASSERT_NE(on_lab2.subnet, nullptr);
  EXPECT_EQ(on_lab2.subnet->name, "lab2");
  EXPECT_EQ(on_lab2.decided_by, "arrival address");
}

TEST(SubnetMap, AThousandSubnetsCostAtMostElevenComparisonsPerLookup) {
  auto c = test::lab_config();
  for (unsigned i = 0; i < 1000; ++i) {
    config::SubnetConfig s;
    s.name = fmt::format("r{}", i);
    s.network = Ipv4Subnet{Ipv4Address::from_host_order((10u << 24) | (i << 8)), ip("255.255.255.0")};
    c.subnets.push_back(s);
  }
  const SubnetMap map(c);
  ASSERT_EQ(map.subnets().size(), 1001u);
  const auto bound = static_cast<std::uint64_t>(std::ceil(std::log2(1001.0))) + 2;  // search + the range check
  std::uint64_t worst = 0;
  for (unsigned i = 0; i < 1000; i += 7) {
    test::RequestSpec spec;
    spec.giaddr = Ipv4Address::from_host_order((10u << 24) | (i << 8) | 1);
    const auto request = test::make_request(spec);
    const auto before = map.comparisons();
    const auto selected = select_subnet(request, kRelayedToUs, map);
    const auto cost = map.comparisons() - before;
    ASSERT_NE(selected.subnet, nullptr) << i;
    EXPECT_EQ(selected.subnet->name, fmt::format("r{}", i));
    worst = std::max(worst, cost);
  }
  // Two lookups per relayed request (giaddr's validity, then its subnet).
  EXPECT_LE(worst, 2 * bound);
  EXPECT_GT(worst, 0u);
}

}  // namespace
}  // namespace netboot::dhcp
