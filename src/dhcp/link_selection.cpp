#include "dhcp/link_selection.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {
namespace {

constexpr std::uint8_t kLinkSelectionSubOption = 5;  // RFC 3527 §3

Ipv4Address address_at(const Bytes& bytes, std::size_t at) {
  return Ipv4Address::from_octets({bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]});
}

/// Walks option 82's sub-options (code, length, data); nullopt when sub-option 5 is absent,
/// not 4 bytes long, or the walk runs off the end (malformed: ignored).
std::optional<Ipv4Address> link_selection_sub_option(const Bytes& agent_information) {
  std::size_t at = 0;
  std::optional<Ipv4Address> found;
  while (at < agent_information.size()) {
    if (at + 2 > agent_information.size()) return std::nullopt;
    const std::uint8_t code = agent_information[at];
    const std::size_t length = agent_information[at + 1];
    if (at + 2 + length > agent_information.size()) return std::nullopt;
    if (code == kLinkSelectionSubOption) {
      if (length != 4) return std::nullopt;
      found = address_at(agent_information, at + 2);
    }
    at += 2 + length;
  }
  return found;
}

}  // namespace

std::string_view to_string(LinkSelector::Source source) noexcept {
  switch (source) {
    case LinkSelector::Source::LinkSelection: return "link selection (option 82.5)";
    case LinkSelector::Source::SubnetSelection: return "subnet selection (option 118)";
    case LinkSelector::Source::RelayAddress: return "giaddr";
  }
  return "unknown";
}

std::optional<LinkSelector> link_selector(const DhcpPacket& request) {
  if (const Bytes* agent = request.options.find(OptionCode::RelayAgentInformation)) {
    if (const auto link = link_selection_sub_option(*agent))
      return LinkSelector{*link, LinkSelector::Source::LinkSelection};
  }
  if (const auto subnet = request.options.get_address(OptionCode::SubnetSelection))
    return LinkSelector{*subnet, LinkSelector::Source::SubnetSelection};
  if (!request.giaddr.is_unspecified()) return LinkSelector{request.giaddr, LinkSelector::Source::RelayAddress};
  return std::nullopt;
}

namespace {

std::optional<std::size_t> served_subnet_holding(std::span<const Ipv4Subnet> served, Ipv4Address address) {
  for (std::size_t i = 0; i < served.size(); ++i)
    if (served[i].contains(address)) return i;
  return std::nullopt;
}

/// Why `giaddr` cannot be a relay's address on a served link; empty when it can.
std::string invalid_relay_address(Ipv4Address giaddr, std::span<const Ipv4Subnet> served,
                                  std::span<const Ipv4Address> own) {
  const auto index = served_subnet_holding(served, giaddr);
  if (!index) return fmt::format("giaddr {} is in no served subnet", giaddr.to_string());
  const Ipv4Subnet& subnet = served[*index];
  if (subnet.has_network_and_broadcast() && (giaddr == subnet.network() || giaddr == subnet.broadcast()))
    return fmt::format("giaddr {} is the subnet's network or broadcast address", giaddr.to_string());
  for (const auto& address : own)
    if (giaddr == address) return fmt::format("giaddr {} is our own address", giaddr.to_string());
  return {};
}

}  // namespace

SubnetChoice select_served_subnet(const DhcpPacket& request, std::span<const Ipv4Subnet> served,
                                  std::optional<std::size_t> arrival, std::span<const Ipv4Address> own) {
  SubnetChoice choice;
  if (request.giaddr.is_unspecified()) {
    if (!arrival) {
      choice.refusal = "arrived on an interface which does not hold the pool";
      return choice;
    }
    if (request.message_type == MessageType::Inform && !request.ciaddr.is_unspecified() &&
        !served[*arrival].contains(request.ciaddr)) {
      choice.refusal = fmt::format("ciaddr {} is not on the arrival link's subnet", request.ciaddr.to_string());
      return choice;
    }
    choice.index = arrival;
    return choice;
  }
  choice.selector = link_selector(request);
  if (auto invalid = invalid_relay_address(request.giaddr, served, own); !invalid.empty()) {
    choice.refusal = std::move(invalid);
    return choice;
  }
  choice.index = served_subnet_holding(served, choice.selector->address);
  if (!choice.index)
    choice.refusal = fmt::format("{} {} is in no served subnet", to_string(choice.selector->source),
                                 choice.selector->address.to_string());
  return choice;
}

SubnetChoice select_proxy_link(const DhcpPacket& request, Ipv4Address source) {
  SubnetChoice choice;
  if (!request.giaddr.is_unspecified())
    choice.refusal = fmt::format("giaddr {}: proxyDHCP serves only clients on its own links, not through relays",
                                 request.giaddr.to_string());
  else if (!request.ciaddr.is_unspecified() && request.ciaddr != source)
    choice.refusal = fmt::format("ciaddr {} is not the sender's address {}", request.ciaddr.to_string(),
                                 source.to_string());
  else
    choice.index = 0;
  return choice;
}

}  // namespace netboot::dhcp
