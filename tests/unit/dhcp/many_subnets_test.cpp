// The address pipeline with several subnets (issue 18): each subnet's pool, router, mask,
// lease time, next-server and boot file; option 82 echoed in OFFER, ACK and NAK.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "dhcp/pipeline/make_pipeline.hpp"
#include "lease/pool_set.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::ip;
using test::mac;

// [bootp] 192.168.1.0/24; [subnet rack12] 10.12.0.0/24 behind a relay 10.12.0.1, no gateway
// key; [subnet lab2] 10.20.0.0/24 on our second card with its own everything.
config::DhcpConfig config_with_subnets() {
  auto c = test::lab_config();
  config::SubnetConfig rack12;
  rack12.name = "rack12";
  rack12.network = Ipv4Subnet{ip("10.12.0.0"), ip("255.255.255.0")};
  rack12.netmask = ip("255.255.255.0");
  rack12.pools = {{ip("10.12.0.100"), ip("10.12.0.101")}, {ip("10.12.0.200"), ip("10.12.0.200")}};
  rack12.dns = c.dns;
  rack12.domain = c.domain;
  rack12.lease_time = 900;
  rack12.boot_files = c.boot_files;
  rack12.boot_files.fallback = "rack12.0";
  config::SubnetConfig lab2;
  lab2.name = "lab2";
  lab2.network = Ipv4Subnet{ip("10.20.0.0"), ip("255.255.0.0")};
  lab2.netmask = ip("255.255.0.0");
  lab2.pools = {{ip("10.20.5.10"), ip("10.20.5.19")}};
  lab2.gateway = ip("10.20.0.254");
  lab2.dns = {ip("10.20.0.53")};
  lab2.domain = "two";
  lab2.lease_time = 120;
  lab2.next_server = ip("10.20.0.5");
  lab2.boot_files = c.boot_files;
  lab2.local_addresses = {ip("10.20.0.1")};
  lab2.reservations = {{mac("02:00:00:00:20:01"), ip("10.20.9.9")}};
  c.subnets = {rack12, lab2};
  return c;
}

lease::PoolSettings settings_of(const config::SubnetConfig& s) {
  lease::PoolSettings p;
  for (const auto& r : s.pools) p.ranges.push_back({r.first, r.size()});
  p.reservations = s.reservations;
  p.lease_time = std::chrono::seconds(s.lease_time);
  return p;
}

struct ManySubnets : ::testing::Test {
  config::DhcpConfig config = config_with_subnets();
  std::deque<std::function<void()>> posted;
  lease::MemoryLeaseStore store{[this](std::function<void()> f) { posted.push_back(std::move(f)); }};
  lease::PoolSet pools{{lease::PoolSettings{.pool_start = config.pool_start,
                                            .pool_count = config.pool_count,
                                            .reservations = config.static_leases,
                                            .lease_time = std::chrono::seconds(config.lease_time)},
                        settings_of(config.subnets[0]), settings_of(config.subnets[1])},
                       store};
  Pipeline pipeline = make_pipeline(config, {.leases = store, .allocator = pools.for_subnet(0), .pools = &pools});

  Exchange run(const test::RequestSpec& spec, PacketInfo info, const std::optional<Bytes>& option82 = std::nullopt) {
    auto request = test::make_request(spec);
    if (option82) request.options.set(OptionCode::RelayAgentInformation, *option82);
    Exchange ex(std::move(request), info);
    last_verdict = pipeline.run(ex);
    if (last_verdict == Verdict::Continue && ex.lease && ex.lease_write != LeaseWrite::None) {
      if (ex.lease_write == LeaseWrite::Hold) store.hold(*ex.lease);
      else store.commit(*ex.lease, [](Result<void>) {});
    }
    return ex;
  }
  Verdict last_verdict = Verdict::Continue;
};

const Bytes kAgent{1, 4, 'e', 't', 'h', '1', 2, 2, 0xAB, 0xCD};

PacketInfo relayed_to(const char* our_address) {
  return PacketInfo{UdpEndpoint{ip("10.12.0.1"), 67}, ip(our_address), 2, test::kNow, 67, ip(our_address)};
}

TEST_F(ManySubnets, ARelayedDiscoverGetsItsSubnetsAddressRouterMaskAndItsOption82Back) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  const auto ex = run(spec, relayed_to("192.168.1.1"), kAgent);
  ASSERT_EQ(last_verdict, Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
  EXPECT_EQ(ex.reply.yiaddr, ip("10.12.0.100"));
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(ex.reply.options.get_addresses(OptionCode::Router), (std::vector<Ipv4Address>{ip("10.12.0.1")}))
      << "no gateway key on a relayed subnet: the relay (giaddr)";
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), ip("192.168.1.1"));
  EXPECT_EQ(ex.reply.options.get_u32(OptionCode::LeaseTime), 900u);
  EXPECT_EQ(ex.reply.siaddr, ip("192.168.1.1"));
  EXPECT_EQ(ex.reply.file, "rack12.0");
  ASSERT_NE(ex.reply.options.find(OptionCode::RelayAgentInformation), nullptr);
  EXPECT_EQ(*ex.reply.options.find(OptionCode::RelayAgentInformation), kAgent) << "echoed byte for byte";
  // In the main options area of the datagram, within the client's size.
  const Bytes wire = serialize_dhcp_packet(ex.reply, max_reply_size(ex.request));
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->options.find(OptionCode::RelayAgentInformation), kAgent);
  EXPECT_LE(wire.size(), max_reply_size(ex.request));
}

TEST_F(ManySubnets, TheRequestIsAckedAndABadOneNakedEachWithOption82) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  const auto offer = run(spec, relayed_to("192.168.1.1"), kAgent);
  ASSERT_EQ(offer.reply.yiaddr, ip("10.12.0.100"));
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  const auto ack = run(spec, relayed_to("192.168.1.1"), kAgent);
  ASSERT_EQ(last_verdict, Verdict::Continue) << ack.drop_reason;
  EXPECT_EQ(ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ack.reply.yiaddr, ip("10.12.0.100"));
  EXPECT_EQ(*ack.reply.options.find(OptionCode::RelayAgentInformation), kAgent);

  test::RequestSpec wrong;
  wrong.type = MessageType::Request;
  wrong.mac = mac("02:00:00:00:12:99");
  wrong.giaddr = ip("10.12.0.1");
  wrong.requested = ip("192.168.1.100");  // INIT-REBOOT for an address of another subnet
  const auto nak = run(wrong, relayed_to("192.168.1.1"), kAgent);
  EXPECT_EQ(nak.reply.message_type, MessageType::Nak);
  ASSERT_NE(nak.reply.options.find(OptionCode::RelayAgentInformation), nullptr);
  EXPECT_EQ(*nak.reply.options.find(OptionCode::RelayAgentInformation), kAgent);
}

TEST_F(ManySubnets, PoolsAreSeparateAndMultiRangePoolsContinueInTheirNextRange) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  std::vector<Ipv4Address> given;
  for (int i = 0; i < 4; ++i) {
    spec.mac = *MacAddress::parse(fmt::format("02:00:00:00:12:{:02x}", i));
    const auto ex = run(spec, relayed_to("192.168.1.1"));
    if (last_verdict == Verdict::Continue) given.push_back(ex.reply.yiaddr);
  }
  EXPECT_EQ(given, (std::vector<Ipv4Address>{ip("10.12.0.100"), ip("10.12.0.101"), ip("10.12.0.200")}))
      << "three addresses in two ranges, then the pool is exhausted";
  EXPECT_EQ(pools.for_subnet(0).pool().free_count(), 5u) << "[bootp]'s pool untouched";
  // [bootp]'s own clients still get [bootp]'s pool and options.
  const auto local = run({}, test::arrival());
  EXPECT_EQ(local.reply.yiaddr, ip("192.168.1.100"));
  EXPECT_EQ(local.reply.options.get_addresses(OptionCode::Router), (std::vector<Ipv4Address>{ip("192.168.1.254")}));
  EXPECT_EQ(local.reply.options.find(OptionCode::RelayAgentInformation), nullptr) << "never invented";
}

TEST_F(ManySubnets, ASecondCardServesItsOwnSubnetWithItsOwnSettings) {
  const PacketInfo on_lab2{UdpEndpoint{Ipv4Address::any(), 68}, ip("10.20.0.1"), 3, test::kNow, 67,
                           Ipv4Address::broadcast()};
  const auto ex = run({}, on_lab2);
  ASSERT_EQ(last_verdict, Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.yiaddr, ip("10.20.5.10"));
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), ip("10.20.0.1"));
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::SubnetMask), ip("255.255.0.0"));
  EXPECT_EQ(ex.reply.options.get_addresses(OptionCode::Router), (std::vector<Ipv4Address>{ip("10.20.0.254")}));
  EXPECT_EQ(ex.reply.options.get_addresses(OptionCode::DomainNameServer), (std::vector<Ipv4Address>{ip("10.20.0.53")}));
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::DomainName), "two");
  EXPECT_EQ(ex.reply.options.get_u32(OptionCode::LeaseTime), 120u);
  EXPECT_EQ(ex.reply.siaddr, ip("10.20.0.5")) << "next_server";
  // Its reservation, outside its pool, is honoured.
  test::RequestSpec reserved;
  reserved.mac = mac("02:00:00:00:20:01");
  EXPECT_EQ(run(reserved, on_lab2).reply.yiaddr, ip("10.20.9.9"));
}

TEST_F(ManySubnets, AMachineThatMovesGetsAnAddressOfItsNewSubnetAndFreesTheOldOne) {
  const auto first = run({}, test::arrival());
  ASSERT_EQ(first.reply.yiaddr, ip("192.168.1.100"));
  EXPECT_EQ(pools.for_subnet(0).pool().free_count(), 4u);
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  const auto moved = run(spec, relayed_to("192.168.1.1"));
  EXPECT_EQ(moved.reply.yiaddr, ip("10.12.0.100"));
  EXPECT_EQ(pools.for_subnet(0).pool().free_count(), 5u) << "one record per MAC: the old offer is gone";
  EXPECT_EQ(pools.for_subnet(1).pool().free_count(), 2u);
}

TEST_F(ManySubnets, ARequestNamingAnotherOfOurAddressesOrTheRelaysOverrideIsForUs) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"));
  spec.type = MessageType::Request;
  spec.requested = ip("10.12.0.100");
  spec.server_id = ip("10.20.0.1");  // our second card's address
  EXPECT_EQ(run(spec, relayed_to("192.168.1.1")).reply.message_type, MessageType::Ack);
  spec.server_id = ip("10.12.0.1");  // the relay's RFC 5107 override
  const Bytes override_agent{11, 4, 10, 12, 0, 1};
  const auto ack = run(spec, relayed_to("192.168.1.1"), override_agent);
  EXPECT_EQ(ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ack.reply.options.get_address(OptionCode::ServerIdentifier), ip("10.12.0.1"));
  spec.server_id = ip("10.12.0.77");  // somebody else
  run(spec, relayed_to("192.168.1.1"));
  EXPECT_EQ(last_verdict, Verdict::Drop);
}

TEST_F(ManySubnets, ARelayedClientRenewingStraightToUsIsServedFromItsSubnet) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"));
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  ASSERT_EQ(run(spec, relayed_to("192.168.1.1")).reply.message_type, MessageType::Ack);
  test::RequestSpec renew;
  renew.type = MessageType::Request;
  renew.ciaddr = ip("10.12.0.100");
  const PacketInfo unicast{UdpEndpoint{ip("10.12.0.100"), 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  const auto ack = run(renew, unicast);
  ASSERT_EQ(last_verdict, Verdict::Continue) << ack.drop_reason;
  EXPECT_EQ(ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ack.reply.yiaddr, ip("10.12.0.100"));
  EXPECT_EQ(ack.reply.options.get_u32(OptionCode::LeaseTime), 900u);
}

// D1: rack12 has no gateway key, so its router is the relay (giaddr). A renewal unicast straight
// to us carries no giaddr; an ACK without option 3 makes dhclient and udhcpc drop the default
// route. The relay the lease came through is remembered and stays the router, renewal after renewal.
TEST_F(ManySubnets, ARenewalStraightToUsKeepsTheRelayAsTheDefaultRouter) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"));
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  const auto relayed_ack = run(spec, relayed_to("192.168.1.1"));
  ASSERT_EQ(relayed_ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(store.find_by_mac(*relayed_ack.client.mac)->relay_address, ip("10.12.0.1"));
  test::RequestSpec renew;
  renew.type = MessageType::Request;
  renew.ciaddr = ip("10.12.0.100");
  const PacketInfo unicast{UdpEndpoint{ip("10.12.0.100"), 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  for (int renewal = 1; renewal <= 2; ++renewal) {
    const auto ack = run(renew, unicast);
    ASSERT_EQ(last_verdict, Verdict::Continue) << ack.drop_reason;
    ASSERT_EQ(ack.reply.message_type, MessageType::Ack);
    EXPECT_EQ(ack.reply.options.get_addresses(OptionCode::Router), (std::vector<Ipv4Address>{ip("10.12.0.1")}))
        << "renewal " << renewal << ": the relay the lease came through";
    EXPECT_EQ(ack.lease->relay_address, ip("10.12.0.1")) << "renewal " << renewal;
  }
}

// review2 open item: a RENEWING REQUEST naming a free address of another subnet (ciaddr selects
// that subnet) from a MAC bound elsewhere was ACKed and moved the lease there.
TEST_F(ManySubnets, ARenewalOfAnAddressTheClientDoesNotHoldIsNakedAndMovesNothing) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"));
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  const auto bound = run(spec, relayed_to("192.168.1.1"));
  ASSERT_EQ(bound.reply.message_type, MessageType::Ack);
  test::RequestSpec renew;
  renew.type = MessageType::Request;
  renew.ciaddr = ip("10.20.5.15");  // free, in lab2
  const PacketInfo unicast{UdpEndpoint{ip("10.20.5.15"), 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  const auto reply = run(renew, unicast);
  ASSERT_EQ(last_verdict, Verdict::Continue) << reply.drop_reason;
  EXPECT_EQ(reply.reply.message_type, MessageType::Nak);
  EXPECT_EQ(store.find_by_mac(*bound.client.mac)->address, ip("10.12.0.100")) << "the lease stays where it is";
  EXPECT_FALSE(store.find_by_address(ip("10.20.5.15")).has_value());
}

// A stored relay address outside the subnet (the client moved, or a relay= giaddr off the
// network) is no router: nothing rather than a wrong one.
TEST_F(ManySubnets, AStoredRelayOutsideTheSubnetIsNotTheRouter) {
  lease::Lease moved;
  moved.mac = mac("02:00:00:00:12:77");
  moved.address = ip("10.12.0.101");
  moved.state = lease::LeaseState::Bound;
  moved.updated = test::kNow;
  moved.expires = test::kNow + std::chrono::hours(1);
  moved.relay_address = ip("10.99.0.1");
  store.commit(moved, [](Result<void>) {});
  test::RequestSpec renew;
  renew.mac = moved.mac;
  renew.type = MessageType::Request;
  renew.ciaddr = moved.address;
  const PacketInfo unicast{UdpEndpoint{moved.address, 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  const auto ack = run(renew, unicast);
  ASSERT_EQ(ack.reply.message_type, MessageType::Ack) << ack.drop_reason;
  EXPECT_EQ(ack.reply.options.find(OptionCode::Router), nullptr);
  EXPECT_TRUE(ack.lease->relay_address.is_unspecified()) << "not carried into the renewed lease";
}

}  // namespace
}  // namespace netboot::dhcp
