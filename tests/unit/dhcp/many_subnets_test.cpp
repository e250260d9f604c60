// The address pipeline with several subnets (issue 18): each subnet's pool, router, mask,
// lease time, next-server and boot file; option 82 echoed in OFFER, ACK and NAK.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/reply_destination.hpp"
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
    last_verdict = active->run(ex);
    if (last_verdict == Verdict::Continue && ex.lease && ex.lease_write != LeaseWrite::None) {
      if (ex.lease_write == LeaseWrite::Hold) store.hold(*ex.lease);
      else store.commit(*ex.lease, [](Result<void>) {});
    }
    return ex;
  }
  Verdict last_verdict = Verdict::Continue;
  Pipeline* active = &pipeline;  // a test with another configuration points this at its own pipeline
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

// --- Relay trust (docs/security.md "Relay trust") ---

std::string text(const std::string& bytes) { return bytes; }

// [bootp] trusted_relays: a host that is not a listed relay agent writes giaddr 10.12.0.1 and
// asks for rack12's addresses from made-up MACs. Before the list existed it emptied the pool
// (three offers here); now every such DISCOVER is dropped, flagged for the budgeted warning,
// and the real relay (its server-facing address 192.168.1.2) is still served.
TEST_F(ManySubnets, AHostThatIsNoTrustedRelayFillsNoPool) {
  auto trusting = config;
  trusting.trusted_relays = {Ipv4Subnet{ip("192.168.1.2"), ip("255.255.255.255")}};
  Pipeline restricted = make_pipeline(trusting, {.leases = store, .allocator = pools.for_subnet(0), .pools = &pools});
  active = &restricted;
  const PacketInfo forged{UdpEndpoint{ip("192.168.1.66"), 67}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  for (int i = 0; i < 5; ++i) {
    spec.mac = *MacAddress::parse(fmt::format("02:00:00:00:66:{:02x}", i));
    const auto ex = run(spec, forged, kAgent);
    EXPECT_EQ(last_verdict, Verdict::Drop) << i;
    EXPECT_EQ(ex.dropped_by, "select-subnet");
    EXPECT_TRUE(ex.drop_is_warning) << "a line for the operator (within the service's budget)";
    EXPECT_NE(ex.drop_reason.find("relay agent 192.168.1.66 (giaddr 10.12.0.1) is not in [bootp] trusted_relays"),
              std::string::npos)
        << ex.drop_reason;
  }
  EXPECT_EQ(pools.for_subnet(1).pool().free_count(), 3u) << "no offer held for the forger";
  const PacketInfo real_relay{UdpEndpoint{ip("192.168.1.2"), 67}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  spec.mac = mac("02:00:00:00:12:01");
  const auto served = run(spec, real_relay, kAgent);
  ASSERT_EQ(last_verdict, Verdict::Continue) << served.drop_reason;
  EXPECT_EQ(served.reply.yiaddr, ip("10.12.0.100"));
  EXPECT_EQ(*served.reply.options.find(OptionCode::RelayAgentInformation), kAgent);
  EXPECT_EQ(text(served.lease->circuit_id), "eth1");
}

// RFC 3046 §2.1/§2.2 with giaddr 0 (a DHCP-snooping switch, or the client itself): the option
// is echoed, the switch needs it to strip it and pick the port, but no relay vouches for its
// ids, so the lease keeps none and its 82.11 never makes a REQUEST ours.
TEST_F(ManySubnets, AnUnrelayedOption82IsEchoedButNotKeptAsTheLeasesCircuit) {
  const auto offer = run({}, test::arrival(), kAgent);
  ASSERT_EQ(last_verdict, Verdict::Continue) << offer.drop_reason;
  EXPECT_EQ(offer.reply.yiaddr, ip("192.168.1.100"));
  ASSERT_NE(offer.reply.options.find(OptionCode::RelayAgentInformation), nullptr);
  EXPECT_EQ(*offer.reply.options.find(OptionCode::RelayAgentInformation), kAgent) << "echoed for the switch";
  EXPECT_TRUE(offer.unrelayed_agent_info);
  EXPECT_FALSE(offer.relay_agent);
  test::RequestSpec request;
  request.type = MessageType::Request;
  request.server_id = ip("192.168.1.1");
  request.requested = ip("192.168.1.100");
  const auto ack = run(request, test::arrival(), kAgent);
  ASSERT_EQ(ack.reply.message_type, MessageType::Ack) << ack.drop_reason;
  EXPECT_EQ(*ack.reply.options.find(OptionCode::RelayAgentInformation), kAgent);
  ASSERT_TRUE(ack.lease);
  EXPECT_EQ(ack.lease->circuit_id, "") << "no relay vouches for it";
  EXPECT_EQ(ack.lease->remote_id, "");
  EXPECT_EQ(store.find_by_mac(*ack.client.mac)->circuit_id, "");

  // Its server-id override (82.11) naming another server does not make that server's REQUEST ours.
  test::RequestSpec elsewhere;
  elsewhere.mac = mac("02:00:00:00:01:77");
  elsewhere.type = MessageType::Request;
  elsewhere.server_id = ip("192.168.1.9");
  elsewhere.requested = ip("192.168.1.101");
  const auto taken = run(elsewhere, test::arrival(), Bytes{11, 4, 192, 168, 1, 9});
  EXPECT_EQ(last_verdict, Verdict::Drop) << "a REQUEST for another server was answered";
  EXPECT_FALSE(taken.lease);
  EXPECT_FALSE(store.find_by_mac(elsewhere.mac));
}

// Sub-options of 200, 200 and 194 bytes: a 600-byte option 82, 255 + 255 + 90 on the wire.
Bytes long_agent() {
  Bytes agent;
  for (const auto& [code, size] : {std::pair<std::uint8_t, std::uint8_t>{1, 200}, {2, 200}, {151, 194}}) {
    agent.push_back(code);
    agent.push_back(size);
    for (std::uint8_t i = 0; i < size; ++i) agent.push_back(static_cast<std::uint8_t>(code + i));
  }
  return agent;
}

// RFC 3396: an option 82 over 255 bytes arrives as several instances (concatenated by the
// parser) and must go back whole. The client's maximum (576 here) left no room for it, so the
// OFFER went without it; the relay strips it, so the reply may be that much longer.
TEST_F(ManySubnets, AnOption82LongerThan255BytesIsEchoedWholeSplitIntoInstances) {
  const Bytes agent = long_agent();
  ASSERT_EQ(agent.size(), 600u);
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  const auto ex = run(spec, relayed_to("192.168.1.1"), agent);
  ASSERT_EQ(last_verdict, Verdict::Continue) << ex.drop_reason;
  ASSERT_TRUE(ex.relay_agent);
  EXPECT_EQ(ex.relay_agent->circuit_id->size(), 200u);
  const std::size_t limit = reply_size_limit(ex.request, ex.reply);
  EXPECT_EQ(limit, max_reply_size(ex.request) + 606);
  const Bytes wire = serialize_dhcp_packet(ex.reply, limit);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  ASSERT_NE(parsed->options.find(OptionCode::RelayAgentInformation), nullptr) << "echoed";
  EXPECT_EQ(*parsed->options.find(OptionCode::RelayAgentInformation), agent);
  EXPECT_EQ(parsed->options.get_u32(OptionCode::LeaseTime), 900u) << "the mandatory options kept";
  EXPECT_LE(wire.size() - 606, max_reply_size(ex.request)) << "what the client gets once the relay strips it";
  // The wire: three consecutive instances in the main options area, 255, 255 and 90 bytes.
  const auto first = std::search(wire.begin() + 240, wire.end(), agent.begin(), agent.begin() + 4);
  ASSERT_NE(first, wire.end());
  const auto at = static_cast<std::size_t>(first - wire.begin()) - 2;
  EXPECT_EQ(wire[at], 82);
  EXPECT_EQ(wire[at + 1], 255);
  EXPECT_EQ(wire[at + 2 + 255], 82);
  EXPECT_EQ(wire[at + 2 + 255 + 1], 255);
  EXPECT_EQ(wire[at + 4 + 510], 82);
  EXPECT_EQ(wire[at + 4 + 510 + 1], 90);
  EXPECT_EQ(parsed->file, "rack12.0") << "the file field is not used for options";
}

// Bounded: an option 82 longer than kMaxRelayAgentInfo (1024) would be a forger's payload
// reflected to giaddr; the request is refused like a malformed one.
// Well-formed sub-options (code 9, vendor-specific) filling exactly `total` bytes.
Bytes agent_of_size(std::size_t total) {
  Bytes agent;
  while (total - agent.size() > 257) {
    agent.push_back(9);
    agent.push_back(255);
    agent.insert(agent.end(), 255, 0x41);
  }
  const std::size_t last = total - agent.size() - 2;
  agent.push_back(9);
  agent.push_back(static_cast<std::uint8_t>(last));
  agent.insert(agent.end(), last, 0x42);
  return agent;
}

TEST_F(ManySubnets, AnOption82LongerThanTheBoundIsRefused) {
  Bytes agent = agent_of_size(kMaxRelayAgentInfo);
  ASSERT_EQ(agent.size(), 1024u);
  ASSERT_TRUE(parse_relay_agent_info(agent));
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  const auto at_bound = run(spec, relayed_to("192.168.1.1"), agent);
  ASSERT_EQ(last_verdict, Verdict::Continue) << at_bound.drop_reason;
  const auto echoed = parse_dhcp_packet(serialize_dhcp_packet(at_bound.reply, reply_size_limit(at_bound.request, at_bound.reply)));
  ASSERT_TRUE(echoed);
  ASSERT_NE(echoed->options.find(OptionCode::RelayAgentInformation), nullptr) << "not echoed";
  EXPECT_EQ(*echoed->options.find(OptionCode::RelayAgentInformation), agent);
  agent = agent_of_size(kMaxRelayAgentInfo + 1);
  spec.mac = mac("02:00:00:00:12:55");
  const auto over = run(spec, relayed_to("192.168.1.1"), agent);
  EXPECT_EQ(last_verdict, Verdict::Drop);
  EXPECT_NE(over.drop_reason.find("longer than 1024"), std::string::npos) << over.drop_reason;
}

// A renewal unicast straight to us carries no option 82 (no relay saw it) but comes from the
// same relay port: the lease keeps the circuit-id and remote-id it was made with, as it keeps
// the relay's address (D1), renewal after renewal. A relayed request replaces them.
TEST_F(ManySubnets, ARenewalStraightToUsKeepsTheCircuitAndRemoteId) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"), kAgent);
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  const auto relayed_ack = run(spec, relayed_to("192.168.1.1"), kAgent);
  ASSERT_EQ(relayed_ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(store.find_by_mac(*relayed_ack.client.mac)->circuit_id, "eth1");
  test::RequestSpec renew;
  renew.type = MessageType::Request;
  renew.ciaddr = ip("10.12.0.100");
  const PacketInfo unicast{UdpEndpoint{ip("10.12.0.100"), 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  for (int renewal = 1; renewal <= 2; ++renewal) {
    const auto ack = run(renew, unicast);
    ASSERT_EQ(ack.reply.message_type, MessageType::Ack) << ack.drop_reason;
    EXPECT_EQ(ack.lease->circuit_id, "eth1") << "renewal " << renewal;
    EXPECT_EQ(ack.lease->remote_id, std::string("\xAB\xCD")) << "renewal " << renewal;
    EXPECT_EQ(store.find_by_mac(*ack.client.mac)->circuit_id, "eth1") << "renewal " << renewal;
  }
  // Through the relay again, from another port: the relay's word replaces the kept one.
  spec.server_id.reset();
  const auto moved_port = run(spec, relayed_to("192.168.1.1"), Bytes{1, 4, 'e', 't', 'h', '7'});
  ASSERT_EQ(moved_port.reply.message_type, MessageType::Ack) << moved_port.drop_reason;
  EXPECT_EQ(moved_port.lease->circuit_id, "eth7");
  EXPECT_EQ(moved_port.lease->remote_id, "");
}

// A lease made on a local link has no relay: an unrelayed renewal keeps nothing it never had,
// and a client that moved from a relayed subnet to a local one leaves the relay's ids behind.
TEST_F(ManySubnets, AClientThatMovedToALocalLinkLeavesTheRelaysIdsBehind) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"), kAgent);
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  ASSERT_EQ(run(spec, relayed_to("192.168.1.1"), kAgent).reply.message_type, MessageType::Ack);
  const auto local = run({}, test::arrival());
  ASSERT_EQ(last_verdict, Verdict::Continue) << local.drop_reason;
  EXPECT_EQ(local.reply.yiaddr, ip("192.168.1.100"));
  EXPECT_EQ(local.lease->circuit_id, "");
  EXPECT_TRUE(local.lease->relay_address.is_unspecified());
}

// RFC 2131 4.3.5: an INFORM straight to us (unicast, giaddr 0) from a client of a relayed
// subnet is answered with the options of the subnet holding ciaddr, to ciaddr. A [subnet]
// without gateway gives the relay the client's lease came through as its router (as for a
// renewal); without such a lease, no router (an INFORM alone never names a relay).
TEST_F(ManySubnets, AnInformStraightToUsGetsItsSubnetsOptionsAndTheRelayOfItsLeaseAsRouter) {
  test::RequestSpec spec;
  spec.giaddr = ip("10.12.0.1");
  run(spec, relayed_to("192.168.1.1"));
  spec.type = MessageType::Request;
  spec.server_id = ip("192.168.1.1");
  spec.requested = ip("10.12.0.100");
  ASSERT_EQ(run(spec, relayed_to("192.168.1.1")).reply.message_type, MessageType::Ack);
  const auto before = store.find_by_mac(spec.mac);
  test::RequestSpec inform;
  inform.type = MessageType::Inform;
  inform.pxe = false;
  inform.ciaddr = ip("10.12.0.100");
  const PacketInfo unicast{UdpEndpoint{ip("10.12.0.100"), 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")};
  const auto ack = run(inform, unicast);
  ASSERT_EQ(last_verdict, Verdict::Continue) << ack.drop_reason;
  ASSERT_EQ(ack.reply.message_type, MessageType::Ack);
  ASSERT_NE(ack.subnet, nullptr);
  EXPECT_EQ(ack.subnet->name, "rack12");
  EXPECT_TRUE(ack.reply.yiaddr.is_unspecified());
  EXPECT_EQ(ack.reply.options.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(ack.reply.options.get_addresses(OptionCode::Router), (std::vector<Ipv4Address>{ip("10.12.0.1")}))
      << "the relay the client's lease came through";
  EXPECT_EQ(ack.reply.options.find(OptionCode::LeaseTime), nullptr) << "RFC 2131 4.3.5: no lease time";
  EXPECT_EQ(ack.reply.options.get_address(OptionCode::ServerIdentifier), ip("192.168.1.1"));
  EXPECT_EQ(ack.reply.options.find(OptionCode::RelayAgentInformation), nullptr);
  const auto to = choose_reply_destination(ack.request, ack.reply, {.client_network = ack.subnet->network});
  EXPECT_EQ(to.kind, ReplyDestination::Kind::ClientAddress);
  EXPECT_EQ(to.address, ip("10.12.0.100"));
  EXPECT_EQ(store.find_by_mac(spec.mac), before) << "an INFORM writes no lease";
}

TEST_F(ManySubnets, AnInformStraightToUsWithoutItsLeaseGetsOnlyAConfiguredRouter) {
  // A lease of this MAC for another address of the subnet: not the one informing.
  lease::Lease other;
  other.mac = mac("02:00:00:00:12:78");
  other.address = ip("10.12.0.101");
  other.state = lease::LeaseState::Bound;
  other.updated = test::kNow;
  other.expires = test::kNow + std::chrono::hours(1);
  other.relay_address = ip("10.12.0.1");
  store.commit(other, [](Result<void>) {});
  const auto inform_from = [&](MacAddress who, const char* ciaddr) {
    test::RequestSpec inform;
    inform.type = MessageType::Inform;  // PXE: served without a lease with allow_simple_dhcp off
    inform.mac = who;
    inform.ciaddr = ip(ciaddr);
    return run(inform, PacketInfo{UdpEndpoint{ip(ciaddr), 68}, ip("192.168.1.1"), 2, test::kNow, 67, ip("192.168.1.1")});
  };
  for (const auto& [who, ciaddr] : {std::pair{mac("02:00:00:00:12:79"), "10.12.0.150"},  // no lease at all
                                    std::pair{other.mac, "10.12.0.150"}}) {                // its lease is .101
    const auto ack = inform_from(who, ciaddr);
    ASSERT_EQ(last_verdict, Verdict::Continue) << ack.drop_reason;
    ASSERT_EQ(ack.reply.message_type, MessageType::Ack);
    EXPECT_EQ(ack.subnet->name, "rack12");
    EXPECT_EQ(ack.reply.options.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
    EXPECT_EQ(ack.reply.options.find(OptionCode::Router), nullptr)
        << who.to_string() << ": no gateway key and no lease naming the relay: no router rather than ours";
  }
  // Its own lease, expired: no longer vouches for the relay.
  lease::Lease lapsed = other;
  lapsed.expires = test::kNow - std::chrono::seconds(1);
  store.commit(lapsed, [](Result<void>) {});
  EXPECT_EQ(inform_from(other.mac, "10.12.0.101").reply.options.find(OptionCode::Router), nullptr);
  // A subnet with a gateway key gives it, lease or not.
  const auto lab2 = inform_from(mac("02:00:00:00:20:79"), "10.20.7.7");
  ASSERT_EQ(last_verdict, Verdict::Continue) << lab2.drop_reason;
  ASSERT_EQ(lab2.reply.message_type, MessageType::Ack);
  EXPECT_EQ(lab2.subnet->name, "lab2");
  EXPECT_EQ(lab2.reply.options.get_addresses(OptionCode::Router), (std::vector<Ipv4Address>{ip("10.20.0.254")}));
  EXPECT_EQ(lab2.reply.options.get_address(OptionCode::SubnetMask), ip("255.255.0.0"));
  EXPECT_EQ(lab2.reply.options.get_string(OptionCode::DomainName), "two");
}

}  // namespace
}  // namespace netboot::dhcp
