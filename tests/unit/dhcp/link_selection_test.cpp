#include "dhcp/link_selection.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <vector>

namespace netboot::dhcp {
namespace {

Ipv4Address ip(std::string_view text) { return *Ipv4Address::parse(text); }

const std::vector<Ipv4Subnet> kServed = {{ip("192.168.1.1"), ip("255.255.255.0")}};
const std::vector<Ipv4Address> kOwn = {ip("192.168.1.1")};

SubnetChoice select(const DhcpPacket& packet, std::optional<std::size_t> arrival) {
  return select_served_subnet(packet, kServed, arrival, kOwn);
}

DhcpPacket request(std::string_view giaddr = "0.0.0.0") {
  DhcpPacket packet;
  packet.op = BootpOp::Request;
  packet.giaddr = ip(giaddr);
  return packet;
}

Bytes agent_information(std::initializer_list<Bytes> sub_options) {
  Bytes out;
  for (const auto& sub : sub_options) out.insert(out.end(), sub.begin(), sub.end());
  return out;
}
const Bytes kCircuitId = {1, 3, 'e', 't', '1'};
Bytes link_selection(std::array<std::uint8_t, 4> a) { return {5, 4, a[0], a[1], a[2], a[3]}; }

TEST(LinkSelection, ALocalClientBelongsToItsArrivalLink) {
  const auto choice = select(request(), 0);
  EXPECT_FALSE(choice.selector);
  EXPECT_EQ(choice.index, 0U);
  EXPECT_EQ(select(request(), std::nullopt).index, std::nullopt) << "another card";
}

TEST(LinkSelection, ARelayIsServedOnlyFromASubnetWeServe) {
  const auto ours = select(request("192.168.1.254"), std::nullopt);
  EXPECT_EQ(ours.index, 0U) << "a relay's request may arrive on any card";
  const auto foreign = select(request("10.9.0.1"), 0);
  EXPECT_EQ(foreign.index, std::nullopt);
  ASSERT_TRUE(foreign.selector);
  EXPECT_EQ(foreign.selector->source, LinkSelector::Source::RelayAddress);
  EXPECT_EQ(foreign.selector->address, ip("10.9.0.1"));
}

TEST(LinkSelection, LinkSelectionSubOptionComesBeforeSubnetSelectionAndGiaddr) {
  auto packet = request("192.168.1.254");  // a relay on the served link
  packet.options.set(OptionCode::RelayAgentInformation, agent_information({kCircuitId, link_selection({192, 168, 1, 0})}));
  packet.options.set_address(OptionCode::SubnetSelection, ip("10.8.0.0"));
  auto choice = select(packet, std::nullopt);
  ASSERT_TRUE(choice.selector);
  EXPECT_EQ(choice.selector->source, LinkSelector::Source::LinkSelection);
  EXPECT_EQ(choice.index, 0U);

  packet.options.set(OptionCode::RelayAgentInformation, agent_information({kCircuitId}));
  choice = select(packet, 0);
  ASSERT_TRUE(choice.selector);
  EXPECT_EQ(choice.selector->source, LinkSelector::Source::SubnetSelection);
  EXPECT_EQ(choice.index, std::nullopt) << "option 118 names 10.8.0.0";
  EXPECT_EQ(choice.refusal, "subnet selection (option 118) 10.8.0.0 is in no served subnet");
}

TEST(LinkSelection, SelectorsOfAnUnrelayedRequestAreNotTrusted) {
  // No relay vouches for them: a host on another card of ours must not move itself onto the
  // served link with six bytes, nor a host on the served link off it.
  auto packet = request();
  packet.options.set_address(OptionCode::SubnetSelection, ip("192.168.1.0"));
  auto choice = select(packet, std::nullopt);
  EXPECT_EQ(choice.index, std::nullopt);
  EXPECT_EQ(choice.refusal, "arrived on an interface which does not hold the pool");
  packet.options.erase(OptionCode::SubnetSelection);
  packet.options.set(OptionCode::RelayAgentInformation, agent_information({link_selection({192, 168, 1, 0})}));
  EXPECT_EQ(select(packet, std::nullopt).index, std::nullopt);

  auto local = request();  // on the served link, naming another subnet
  local.options.set_address(OptionCode::SubnetSelection, ip("10.8.0.0"));
  EXPECT_EQ(select(local, 0).index, 0U);
}

TEST(LinkSelection, AForgedGiaddrIsNoRelay) {
  // giaddr is where the reply goes: outside the served subnets, or the subnet's network,
  // broadcast or our own address, it would send replies anywhere or broadcast them to port 67.
  auto packet = request("10.9.0.1");
  packet.options.set(OptionCode::RelayAgentInformation, agent_information({link_selection({192, 168, 1, 0})}));
  auto choice = select(packet, 0);
  EXPECT_EQ(choice.index, std::nullopt) << "a link selection naming our subnet does not vouch for giaddr";
  EXPECT_EQ(choice.refusal, "giaddr 10.9.0.1 is in no served subnet");
  for (const char* giaddr : {"192.168.1.0", "192.168.1.255"}) {
    choice = select(request(giaddr), 0);
    EXPECT_EQ(choice.index, std::nullopt) << giaddr;
    EXPECT_EQ(choice.refusal, fmt::format("giaddr {} is the subnet's network or broadcast address", giaddr));
  }
  choice = select(request("192.168.1.1"), 0);
  EXPECT_EQ(choice.index, std::nullopt);
  EXPECT_EQ(choice.refusal, "giaddr 192.168.1.1 is our own address");
  // A /31 has neither network nor broadcast address: both ends are hosts (RFC 3021).
  const std::vector<Ipv4Subnet> point_to_point = {{ip("10.0.0.0"), ip("255.255.255.254")}};
  EXPECT_EQ(select_served_subnet(request("10.0.0.1"), point_to_point, 0, {}).index, 0U);
}

TEST(LinkSelection, AnInformIsServedOnlyForAnAddressOnTheArrivalLink) {
  // Its ACK goes by unicast to ciaddr: any other ciaddr would make us a reflector.
  auto inform = request();
  inform.message_type = MessageType::Inform;
  inform.ciaddr = ip("192.168.1.77");
  EXPECT_EQ(select(inform, 0).index, 0U);
  inform.ciaddr = ip("198.51.100.9");
  const auto choice = select(inform, 0);
  EXPECT_EQ(choice.index, std::nullopt);
  EXPECT_EQ(choice.refusal, "ciaddr 198.51.100.9 is not on the arrival link's subnet");
  auto renewing = request();  // a REQUEST for an address off the link is NAKed by the allocation step
  renewing.message_type = MessageType::Request;
  renewing.ciaddr = ip("198.51.100.9");
  EXPECT_EQ(select(renewing, 0).index, 0U);
}

TEST(LinkSelection, MalformedSelectorsAreIgnoredNeverTrusted) {
  const Bytes malformed[] = {
      {5, 3, 192, 168, 1},              // link selection of 3 bytes
      {1, 9, 'x'},                      // a sub-option running off the end
      {1},                              // a lone code
      agent_information({kCircuitId, {5, 4, 192, 168}}),  // truncated link selection
  };
  for (const auto& bytes : malformed) {
    auto packet = request("192.168.1.254");
    packet.options.set(OptionCode::RelayAgentInformation, bytes);
    const auto choice = select(packet, 0);
    ASSERT_TRUE(choice.selector);
    EXPECT_EQ(choice.selector->source, LinkSelector::Source::RelayAddress);
    EXPECT_EQ(choice.index, 0U) << "giaddr decides";
  }
  auto packet = request("192.168.1.254");
  packet.options.set(OptionCode::SubnetSelection, Bytes{10, 8, 0});  // not an address
  EXPECT_EQ(link_selector(packet)->source, LinkSelector::Source::RelayAddress);
}

TEST(LinkSelection, ProxyDhcpAnswersOnlyOnLinkSendersAtTheirOwnAddress) {
  // Its reply goes to giaddr or ciaddr when set: a forged one would be a reflector.
  EXPECT_EQ(select_proxy_link(request(), ip("0.0.0.0")).index, 0U);
  const auto relayed = select_proxy_link(request("10.99.0.1"), ip("192.168.1.7"));
  EXPECT_EQ(relayed.index, std::nullopt);
  EXPECT_EQ(relayed.refusal, "giaddr 10.99.0.1: proxyDHCP serves only clients on its own links, not through relays");
  auto renewing = request();
  renewing.ciaddr = ip("192.168.1.7");
  EXPECT_EQ(select_proxy_link(renewing, ip("192.168.1.7")).index, 0U) << "its own address";
  const auto forged = select_proxy_link(renewing, ip("192.168.1.9"));
  EXPECT_EQ(forged.index, std::nullopt);
  EXPECT_EQ(forged.refusal, "ciaddr 192.168.1.7 is not the sender's address 192.168.1.9");
}

}  // namespace
}  // namespace netboot::dhcp
