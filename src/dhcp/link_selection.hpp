#pragma once
// Which network a request asks to be served on, and whether we serve it (a relayed
// DISCOVER from a subnet we do not serve got an address of ours, with our mask and router).
// Pure: the service drops what select_served_subnet() refuses, with one debug line.
#include <optional>
#include <span>
#include <string>
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
  std::optional<std::size_t> index;      // into `served`; nullopt: not ours to answer
  std::optional<LinkSelector> selector;  // what decided; nullopt: the arrival link
  std::string refusal;                   // when index is nullopt: why, for the debug line
};

/// The served subnet a request belongs to; nullopt with the reason otherwise.
/// - Not relayed (giaddr 0): the arrival link decides, whose subnet is `arrival` (an index into
///   `served`, nullopt when the arrival interface serves none). Options 82 and 118 are ignored:
///   no relay vouches for them, and a host on another link of ours could otherwise move itself
///   onto the served one by adding six bytes. A DHCPINFORM is answered by unicast to ciaddr, so
///   its ciaddr must lie in that subnet (else we would reflect replies to any address).
/// - Relayed: giaddr, where the reply goes, must itself lie in a served subnet and not be its
///   network or broadcast address or one of `own` (else a forged giaddr makes us send replies
///   anywhere, or broadcast them to port 67). Then the link named by option 82.5, else 118,
///   else giaddr, must lie in a served subnet, which it selects. (A relay whose giaddr lies
///   outside every served subnet is not accepted yet.)
/// Serving several subnets later only means passing more of them.
[[nodiscard]] SubnetChoice select_served_subnet(const DhcpPacket& request, std::span<const Ipv4Subnet> served,
                                                std::optional<std::size_t> arrival,
                                                std::span<const Ipv4Address> own);

/// proxyDHCP on port 67 has no pool and serves only clients on its own links: a relayed
/// request (giaddr set) is refused, or its reply would go to whatever giaddr names; and a ciaddr
/// that is not the sender's own address is refused, or the reply would go there.
[[nodiscard]] SubnetChoice select_proxy_link(const DhcpPacket& request, Ipv4Address source);

}  // namespace netboot::dhcp
