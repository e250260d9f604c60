#include "dhcp/link_selection.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace netboot::dhcp {
namespace {

Ipv4Address ip(std::string_view text) { return *Ipv4Address::parse(text); }

const std::vector<Ipv4Subnet> kServed = {{ip("192.168.1.1"), ip("255.255.255.0")}};

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
  const auto choice = select_served_subnet(request(), kServed, 0);
  EXPECT_FALSE(choice.selector);
  EXPECT_EQ(choice.index, 0U);
  EXPECT_EQ(select_served_subnet(request(), kServed, std::nullopt).index, std::nullopt) << "another card";
}

TEST(LinkSelection, ARelayIsServedOnlyFromASubnetWeServe) {
  const auto ours = select_served_subnet(request("192.168.1.254"), kServed, std::nullopt);
  EXPECT_EQ(ours.index, 0U) << "a relay's request may arrive on any card";
  const auto foreign = select_served_subnet(request("10.9.0.1"), kServed, 0);
  EXPECT_EQ(foreign.index, std::nullopt);
  ASSERT_TRUE(foreign.selector);
  EXPECT_EQ(foreign.selector->source, LinkSelector::Source::RelayAddress);
  EXPECT_EQ(foreign.selector->address, ip("10.9.0.1"));
}

TEST(LinkSelection, LinkSelectionSubOptionComesBeforeSubnetSelectionAndGiaddr) {
  auto packet = request("10.9.0.1");  // the relay's own address, on a link we do not serve
  packet.options.set(OptionCode::RelayAgentInformation, agent_information({kCircuitId, link_selection({192, 168, 1, 0})}));
  packet.options.set_address(OptionCode::SubnetSelection, ip("10.8.0.0"));
  auto choice = select_served_subnet(packet, kServed, std::nullopt);
  ASSERT_TRUE(choice.selector);
  EXPECT_EQ(choice.selector->source, LinkSelector::Source::LinkSelection);
  EXPECT_EQ(choice.index, 0U);

  packet.options.set(OptionCode::RelayAgentInformation, agent_information({kCircuitId}));
  choice = select_served_subnet(packet, kServed, 0);
  ASSERT_TRUE(choice.selector);
  EXPECT_EQ(choice.selector->source, LinkSelector::Source::SubnetSelection);
  EXPECT_EQ(choice.index, std::nullopt) << "option 118 names 10.8.0.0";

  auto local = request();  // a client naming another subnet itself (RFC 3011)
  local.options.set_address(OptionCode::SubnetSelection, ip("10.8.0.0"));
  EXPECT_EQ(select_served_subnet(local, kServed, 0).index, std::nullopt);
}

TEST(LinkSelection, MalformedSelectorsAreIgnoredNeverTrusted) {
  const Bytes malformed[] = {
      {5, 3, 192, 168, 1},              // link selection of 3 bytes
      {1, 9, 'x'},                      // a sub-option running off the end
      {1},                              // a lone code
      agent_information({kCircuitId, {5, 4, 192, 168}}),  // truncated link selection
  };
  for (const auto& bytes : malformed) {
    auto packet = request("10.9.0.1");
    packet.options.set(OptionCode::RelayAgentInformation, bytes);
    const auto choice = select_served_subnet(packet, kServed, 0);
    ASSERT_TRUE(choice.selector);
    EXPECT_EQ(choice.selector->source, LinkSelector::Source::RelayAddress);
    EXPECT_EQ(choice.index, std::nullopt);
  }
  auto packet = request("192.168.1.254");
  packet.options.set(OptionCode::SubnetSelection, Bytes{10, 8, 0});  // not an address
  EXPECT_EQ(link_selector(packet)->source, LinkSelector::Source::RelayAddress);
}

}  // namespace
}  // namespace netboot::dhcp
