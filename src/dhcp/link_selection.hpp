#pragma once
// Which network a request asks to be served on, and whether we serve it (a relayed
// DISCOVER from a subnet we do not serve got an address of ours, with our mask and router).
// Pure: the service drops what select_served_subnet() refuses, with one debug line.
#include <optional>
#include <span>
#include <string_view>

#include "core/ipv4_subnet.hpp"
#include "dhcp/dhcp_packet.hpp"

namespace netboot::dhcp {

/// The address that names the client's link, and where it came from.
struct LinkSelector {
  enum class Source : std::uint8_t {
    LinkSelection,    // option 82 sub-option 5 (RFC 3527), set by a relay
    SubnetSelection,  // option 118 (RFC 3011)
    RelayAddress,     // giaddr (RFC 2131 §4.3.1)
  };
  Ipv4Address address;
  Source source = Source::RelayAddress;
};
std::string_view to_string(LinkSelector::Source source) noexcept;

/// RFC 3527's link selection first (a relay that sets it puts its own address in giaddr only
/// to get the reply back), then RFC 3011's subnet selection, then giaddr. nullopt: none of
/// them, a client on the arrival link. A malformed option 82 or 118 is ignored (the next
/// selector decides), never trusted.
[[nodiscard]] std::optional<LinkSelector> link_selector(const DhcpPacket& request);

struct SubnetChoice {
  std::optional<std::size_t> index;   // into `served`; nullopt: not ours to answer
  std::optional<LinkSelector> selector;  // what decided; nullopt: the arrival link
};

/// The served subnet a request belongs to. A request without a selector belongs to the arrival
/// link, whose subnet is `arrival` (an index into `served`, nullopt when the arrival interface
/// serves none). With a selector, the first served subnet holding its address, else none.
/// Serving several subnets later only means passing more of them.
[[nodiscard]] SubnetChoice select_served_subnet(const DhcpPacket& request, std::span<const Ipv4Subnet> served,
                                                std::optional<std::size_t> arrival);

}  // namespace netboot::dhcp
